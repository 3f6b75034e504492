"""
The metrics page a host mounts (``submissions.metrics.urls``): Prometheus's text format, or OpenMetrics when the
scraper asks for it.

Who may read it: a request carrying ``Authorization: Bearer <token>`` with a token of
``SUBMISSIONS["METRICS_TOKENS"]`` (what a Prometheus scrape job sends), or a logged-in, active user with
``SUBMISSIONS["METRICS_PERMISSION"]``. Anyone else gets 401 (no credentials, or a wrong token) or 403 (a user
without the permission). With ``SUBMISSIONS["METRICS"]`` off the page does not exist (404).
"""

import hmac

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from submissions import metrics
from submissions.conf import app_settings

__all__ = ["metrics_view"]

#: ``WWW-Authenticate`` of a refused request (RFC 6750).
CHALLENGE = 'Bearer realm="metrics"'


def _bearer_token(request):
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else None


def _token_accepted(token):
    # Every configured token is compared (in constant time), whichever matches.
    given = token.encode()
    return bool(sum(hmac.compare_digest(given, str(known).encode()) for known in app_settings.METRICS_TOKENS or ()))


def _refusal(request):
    """None when the request may read the metrics, else the response that refuses it."""
    token = _bearer_token(request)
    if token:
        if _token_accepted(token):
            return None
        return _plain(401, "Invalid metrics token.", {"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'})
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return _plain(401, "Authentication required.", {"WWW-Authenticate": CHALLENGE})
    permission = app_settings.METRICS_PERMISSION
    if permission and user.is_active and user.has_perm(permission):
        return None
    return _plain(403, "Not allowed to read the metrics.")


def _plain(status, text, headers=None):
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8", headers=headers)


@never_cache
@require_safe
def metrics_view(request):
    if not app_settings.METRICS:
        raise Http404("Metrics are off (SUBMISSIONS['METRICS']).")
    refused = _refusal(request)
    if refused is not None:
        return refused
    if not metrics.available():
        return _plain(503, "prometheus_client is not installed: pip install 'django-submissions[metrics]'.")
    from submissions.metrics.registry import render

    body, content_type = render(request.headers.get("Accept"))
    return HttpResponse(body, content_type=content_type)
