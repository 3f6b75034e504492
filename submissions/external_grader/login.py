"""
The grader login flow, as allauth keeps its flows apart from its views: rate limit, credentials, grader
check, session. ``views.XQueueViewSet.login`` parses the request and answers the :class:`LoginResult`.

* :func:`log_in`: the whole flow for one request;
* :func:`authenticate_grader`: the credential check. Accounts whose password is stored with
  :class:`~submissions.external_grader.hashers.GraderPBKDF2PasswordHasher` are verified directly (Django's
  ``authenticate()`` would re-hash them with the slow preferred hasher on success); every other account goes
  through the host's ``AUTHENTICATION_BACKENDS``;
* :func:`open_session`: ``django.contrib.auth.login`` writing a fresh client's session row once.
"""

import dataclasses
import enum
import logging

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, authenticate, get_user_model, user_login_failed
from django.contrib.auth import login as django_login
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.hashers import verify_password
from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction
from django.utils.module_loading import import_string

from submissions import metrics
from submissions.conf import app_settings
from submissions.db import auth as auth_sql
from submissions.external_grader import permissions, sessions
from submissions.external_grader.authentication import stock_manager
from submissions.external_grader.hashers import GRADER_HASHER_ALGORITHM
from submissions.external_grader.ratelimit import LoginRateLimiter

__all__ = [
    "Outcome",
    "LoginResult",
    "log_in",
    "authenticate_grader",
    "open_session",
    "MAX_USERNAME_LENGTH",
    "MAX_PASSWORD_LENGTH",
]

log = logging.getLogger("submissions.external_grader.views")

#: Longer inputs are refused as bad credentials without touching the database or a hasher.
MAX_USERNAME_LENGTH = 254
MAX_PASSWORD_LENGTH = 4096


class Outcome(enum.Enum):
    LOGGED_IN = "logged in"
    BLOCKED = "too many failed attempts"
    INCORRECT = "incorrect credentials"
    NOT_GRADER = "not a grader"


@dataclasses.dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    user: object = None
    #: Seconds until a refused client may try again (``BLOCKED``).
    retry_after: int | None = None


def log_in(request, username, password):
    """
    Log a grader in on the Django ``request`` with non-empty ``username`` and ``password`` strings: refused
    while the rate limit holds (``ratelimit``: never for the right secret from where it was used before),
    then the credentials, then the grader check, then the session. Returns a :class:`LoginResult`.
    """
    limiter = LoginRateLimiter(username, request.META.get("REMOTE_ADDR", ""))
    if limiter.is_blocked():
        log.warning("XQueue login refused: too many failed attempts")
        metrics.record.login("rate_limited")
        return LoginResult(Outcome.BLOCKED, retry_after=limiter.window)
    user = authenticate_grader(request, username, password)
    if user is None:
        limiter.record_failure()
        log.info("XQueue login failed: incorrect credentials")
        metrics.record.login("bad_credentials")
        return LoginResult(Outcome.INCORRECT)
    if not permissions.is_grader(user):
        log.warning("XQueue login refused: user %s is not a grader", user.pk)
        metrics.record.login("not_grader")
        return LoginResult(Outcome.NOT_GRADER, user)
    limiter.record_success()
    open_session(request, user)
    permissions.remember_grader(request.session, user)
    log.info("XQueue grader %s logged in", user.pk)
    if user.has_usable_password() and not user.password.startswith(GRADER_HASHER_ALGORITHM + "$"):
        # Reaches operators who never run `check --database` (W110): the watcher allows 1 s per login.
        log.warning(
            "XQueue grader %s logged in through a slow password hash; give it a grader secret with "
            "manage.py create_grader (check submissions.W110)",
            user.pk,
        )
    metrics.record.login("accepted")
    return LoginResult(Outcome.LOGGED_IN, user)


def open_session(request, user):
    """
    ``django.contrib.auth.login(request, user)``, writing a fresh client's session row once.

    The watcher clears its cookies before each login, so its session has no key yet. For such a session
    Django's ``login()`` would create the row at once (a key check and an INSERT of empty data), only for
    the session middleware to UPDATE it with the login's data at the end of the response. Marking the
    keyless, empty session as this user's beforehand takes ``login()``'s "same user" branch, which keeps
    the session: the middleware then creates the row once, with its data, under a new random key, with
    one statement where the backend allows (``sessions``). With no earlier key there is nothing to
    rotate (no session fixation); ``login()`` then writes one row (``last_login``), in autocommit. Any
    other session (a cookie of another user, an anonymous session with data) goes through ``login()``
    unchanged, flushed or cycled to a new key, in one transaction with the ``last_login`` update (one
    commit instead of several).
    """
    session = request.session
    if session.session_key is None and session.is_empty():
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        django_login(request, user)
        sessions.create_in_one_statement(request)
        return
    with transaction.atomic(using=router.db_for_write(type(user))):
        django_login(request, user)


def _model_backend_path():
    """Dotted path of the first configured backend that is a ModelBackend, or None."""
    for path in settings.AUTHENTICATION_BACKENDS:
        try:
            backend = import_string(path)
        except ImportError:
            continue
        if isinstance(backend, type) and issubclass(backend, ModelBackend):
            return path
    return None


def _is_plain_text(value):
    return "\x00" not in value and not any(ord(ch) < 32 for ch in value)


def _get_user_with_group_flag(user_model, username):
    """
    ``get_by_natural_key(username)``, with the grader-group membership read in the same statement
    (``db.auth.user_with_group_flag``; see :data:`~submissions.external_grader.permissions.GROUP_FLAG`) when
    the user model has the stock manager, a unique username and Django's ``groups``; otherwise the
    manager's own lookup, and the membership is queried later as before. Raises ``DoesNotExist`` as the
    manager does.
    """
    from django.contrib.auth.models import Group

    manager = user_model._default_manager
    if getattr(type(manager), "get_by_natural_key", None) is not BaseUserManager.get_by_natural_key:
        return manager.get_by_natural_key(username)
    try:
        groups = user_model._meta.get_field("groups")
        unique = user_model._meta.get_field(user_model.USERNAME_FIELD).unique
    except FieldDoesNotExist:
        return manager.get_by_natural_key(username)
    if groups.remote_field.model is not Group or not unique or not stock_manager(manager):
        return manager.get_by_natural_key(username)
    alias = router.db_for_read(user_model)
    found = auth_sql.user_with_group_flag(alias, user_model, groups, username, app_settings.GRADER_GROUP)
    if found is None:
        raise user_model.DoesNotExist(f"No user {username!r}")
    user, member = found
    setattr(user, permissions.GROUP_FLAG, member)
    return user


def authenticate_grader(request, username, password):
    """
    Return the active user for these credentials, or None.

    ``request`` is the Django ``HttpRequest``. Inputs that cannot be credentials (too long, control
    characters) are refused before any database access.
    """
    if len(username) > MAX_USERNAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH or not _is_plain_text(username):
        return None
    backend_path = _model_backend_path()
    if backend_path is not None:
        user_model = get_user_model()
        try:
            user = _get_user_with_group_flag(user_model, username)
        except user_model.DoesNotExist:
            user = None
        if user is not None and (user.password or "").startswith(GRADER_HASHER_ALGORITHM + "$"):
            backend = import_string(backend_path)()
            is_correct, _must_update = verify_password(password, user.password)
            if is_correct and backend.user_can_authenticate(user):
                user.backend = backend_path
                return user
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
            return None
    return authenticate(request, username=username, password=password)
