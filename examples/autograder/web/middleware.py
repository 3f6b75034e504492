"""Every page of the site needs a signed-in user, except the ones marked :func:`public` (the login page)."""

from django.contrib.auth.views import redirect_to_login


def public(view):
    view.public_page = True
    return view


class LoginRequiredPagesMiddleware:
    """Applies to the ``web`` app's views; the API answers 401 itself, the admin has its own login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        module = getattr(view_func, "__module__", "") or ""
        view_class = getattr(view_func, "view_class", None)
        if view_class is not None:
            module = view_class.__module__
        if not module.startswith("web.") or getattr(view_func, "public_page", False):
            return None
        if request.user.is_authenticated:
            return None
        return redirect_to_login(request.get_full_path())
