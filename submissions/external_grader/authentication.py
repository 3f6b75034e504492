"""
Authentication of the XQueue grader interface.

* :class:`GraderSessionAuthentication`: Django session authentication **without** DRF's CSRF check,
  as legacy XQueue had it: pre-2026 watchers send no CSRF token on ``put_result``, current ones send
  one, and both must work (a correct token is simply ignored). The session cookie is the credential
  of a non-browser client here; see ADR 0008.
* :func:`load_session_user`: each grader request's session user, read by two fixed statements where
  Django's stock parts are in use.

The credential check of ``login/`` is in :mod:`submissions.external_grader.login`.
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import QuerySet
from django.db.models.manager import BaseManager
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework.authentication import SessionAuthentication

from submissions.db import auth as auth_sql

__all__ = ["GraderSessionAuthentication", "load_session_user", "stock_manager"]


class GraderSessionAuthentication(SessionAuthentication):
    """Session authentication for grader endpoints: CSRF-exempt (see the module docstring)."""

    def authenticate(self, request):
        load_session_user(request._request)
        return super().authenticate(request)

    def enforce_csrf(self, request):
        return

    def authenticate_header(self, request):
        # Makes DRF treat "not authenticated" as 401 rather than 403 (the view maps it anyway).
        return "Session"


def _stock_session_and_user(session, user_model):
    """Whether the session store and the user lookup are Django's stock ones (the fast path knows no other)."""
    from django.contrib.sessions.models import Session

    stock_store = type(session) is DatabaseSessionStore and session.model is Session
    return stock_store and stock_manager(user_model._default_manager)


def stock_manager(manager):
    """Whether ``manager`` selects every row of its model, on the routed database (no custom queryset)."""
    if type(manager).get_queryset is not BaseManager.get_queryset:
        return False
    queryset = manager.get_queryset()
    return type(queryset) is QuerySet and queryset.db == router.db_for_read(manager.model)


def load_session_user(request):
    """
    Set ``request.user`` from the session read by hand-written statements (``db.auth``), when Django's stock
    parts are in use (database sessions, a :class:`ModelBackend` whose ``get_user`` is the stock one, the
    user model's plain default manager) and the session is a valid, unexpired, logged-in one whose auth
    hash matches the user's. In every other case nothing is set and Django's ``get_user`` runs as usual
    (which also handles ``SECRET_KEY_FALLBACKS``, flushing bad sessions, and anonymous requests).

    Why: for each grader request Django built the session and user queries through the ORM, which cost
    more CPU than the rest of the request (ADR 0017). The checks are Django's, in its order; the loaded
    session data is handed to the session (Django has no public way to do that: its private
    ``_session_cache`` is set, as its own ``load()`` result would be), so nothing is read twice.
    """
    session = getattr(request, "session", None)
    user_model = get_user_model()
    if session is None or not _stock_session_and_user(session, user_model):
        return
    session_key = session.session_key
    if not session_key or hasattr(session, "_session_cache"):
        return
    session_alias = router.db_for_read(session.model)
    encoded = auth_sql.read_session_data(session_alias, session_key, timezone.now())
    if encoded is None:
        return  # Django reads it again and forgets the key (expired or unknown session)
    data = session.decode(encoded)
    session._session_cache = data
    session.accessed = True
    backend_path = data.get(BACKEND_SESSION_KEY)
    session_hash = data.get(HASH_SESSION_KEY)
    if SESSION_KEY not in data or not session_hash or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return
    backend = load_backend(backend_path)
    if not isinstance(backend, ModelBackend) or type(backend).get_user is not ModelBackend.get_user:
        return
    try:
        user_id = user_model._meta.pk.to_python(data[SESSION_KEY])
    except ValidationError:
        return
    user = auth_sql.read_user(router.db_for_read(user_model), user_model, user_id)
    if user is None or not backend.user_can_authenticate(user):
        return
    if not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return  # Django's get_user tries the fallback secrets or flushes the session
    request.user = user
