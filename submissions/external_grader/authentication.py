"""
Authentication of the XQueue grader interface.

* :class:`GraderSessionAuthentication`: Django session authentication **without** DRF's CSRF check,
  as legacy XQueue had it: pre-2026 watchers send no CSRF token on ``put_result``, current ones send
  one, and both must work (a correct token is simply ignored). The session cookie is the credential
  of a non-browser client here; see ADR 0008.
* :func:`authenticate_grader`: the credential check of ``login/``. Accounts whose password is stored
  with :class:`~submissions.external_grader.hashers.GraderPBKDF2PasswordHasher` are verified directly
  (Django's ``authenticate()`` would re-hash them with the slow preferred hasher on success); every
  other account goes through the host's ``AUTHENTICATION_BACKENDS``.
"""

import functools
import logging

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    authenticate,
    get_user_model,
    load_backend,
    user_login_failed,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.hashers import verify_password
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.manager import BaseManager
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string
from rest_framework.authentication import SessionAuthentication

from submissions.conf import app_settings
from submissions.external_grader.hashers import GRADER_HASHER_ALGORITHM
from submissions.external_grader.permissions import GROUP_FLAG
from submissions.services.rows import ModelColumns, execute_prepared

__all__ = [
    "GraderSessionAuthentication",
    "authenticate_grader",
    "load_session_user",
    "MAX_USERNAME_LENGTH",
    "MAX_PASSWORD_LENGTH",
]

log = logging.getLogger(__name__)

#: Longer inputs are refused as bad credentials without touching the database or a hasher.
MAX_USERNAME_LENGTH = 254
MAX_PASSWORD_LENGTH = 4096


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


class _SessionUserSelects:
    """
    The statements of :func:`load_session_user` for one pair of databases and user model: the session,
    the user, and (both on one database) the session with the user it is expected to name.
    """

    def __init__(self, session_alias, user_alias, user_model):
        from django.contrib.sessions.models import Session

        qn = connections[session_alias].ops.quote_name
        meta = Session._meta
        session_table = qn(meta.db_table)
        data, key, expiry = (qn(meta.get_field(name).column) for name in ("session_data", "session_key", "expire_date"))
        self.session = f"SELECT {data} FROM {session_table} WHERE {key} = %s AND {expiry} > %s"
        self.user_columns = ModelColumns(user_model, connections[user_alias])
        qn = connections[user_alias].ops.quote_name
        table, pk = qn(user_model._meta.db_table), qn(user_model._meta.pk.column)
        self.user = f"SELECT {self.user_columns.sql} FROM {table} WHERE {table}.{pk} = %s"
        #: Index of the user's primary key among :attr:`user_columns` (never NULL in a joined row).
        self.user_pk_index = self.user_columns.attnames.index(user_model._meta.pk.attname)
        self.together = None
        if session_alias == user_alias:
            self.together = (
                f"SELECT s.{data}, {self.user_columns.qualified('u')} FROM {session_table} AS s"
                f" LEFT JOIN {table} AS u ON u.{pk} = %s WHERE s.{key} = %s AND s.{expiry} > %s"
            )


@functools.cache
def _selects(session_alias, user_alias, user_model):
    return _SessionUserSelects(session_alias, user_alias, user_model)


#: The user id each session named when this process last authenticated it, by ``(alias, session key)``:
#: a guess that lets the next request read session and user in one statement. Only ever a guess: the
#: user is taken from the joined row only when the session's own data names that id, and every check
#: runs as without it. Bounded: emptied when full (a missing guess only costs the second statement).
_session_users = {}
_SESSION_USERS_MAX = 10_000


def _remember_session_user(key, user_id):
    if len(_session_users) >= _SESSION_USERS_MAX:
        _session_users.clear()
    _session_users[key] = user_id


def _stock_session_and_user(session, user_model):
    """Whether the session store and the user lookup are Django's stock ones (the fast path knows no other)."""
    from django.contrib.sessions.models import Session

    stock_store = type(session) is DatabaseSessionStore and session.model is Session
    return stock_store and _stock_manager(user_model._default_manager)


def _stock_manager(manager):
    """Whether ``manager`` selects every row of its model, on the routed database (no custom queryset)."""
    stock_queryset = type(manager).get_queryset is BaseManager.get_queryset and manager._queryset_class is QuerySet
    return stock_queryset and manager._db is None


def load_session_user(request):
    """
    Set ``request.user`` from the session in hand-written statements, when Django's stock parts are
    in use (database sessions, a :class:`ModelBackend` whose ``get_user`` is the stock one, the user
    model's plain default manager) and the session is a valid, unexpired, logged-in one whose auth hash
    matches the user's. In every other case nothing is set and Django's ``get_user`` runs as usual
    (which also handles ``SECRET_KEY_FALLBACKS``, flushing bad sessions, and anonymous requests).

    Why: for each grader request Django built the session and user queries through the ORM, which cost
    more CPU than the rest of the request (ADR 0017). The checks are Django's, in its order; the loaded
    session data is kept on the session, so nothing is read twice. When session and user share a
    database and this process has seen the session before, one statement reads both (the user row
    joined by the id the session named last time, used only if the session still names it).
    """
    session = getattr(request, "session", None)
    user_model = get_user_model()
    if session is None or not _stock_session_and_user(session, user_model):
        return
    session_key = session.session_key
    if not session_key or hasattr(session, "_session_cache"):
        return
    session_alias = router.db_for_read(session.model)
    user_alias = router.db_for_read(user_model)
    selects = _selects(session_alias, user_alias, user_model)
    session_connection, user_connection = connections[session_alias], connections[user_alias]
    expires_after = session_connection.ops.adapt_datetimefield_value(timezone.now())
    remembered = (session_alias, session_key)
    guess = _session_users.get(remembered) if selects.together else None
    with session_connection.cursor() as cursor:
        if guess is None:
            execute_prepared(cursor, session_alias, selects.session, [session_key, expires_after])
        else:
            guess_value = user_model._meta.pk.get_db_prep_value(guess, session_connection)
            execute_prepared(cursor, session_alias, selects.together, [guess_value, session_key, expires_after])
        found = cursor.fetchone()
    if found is None:
        return  # Django reads it again and forgets the key (expired or unknown session)
    data = session.decode(found[0])
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
    if guess is not None and guess == user_id and found[1 + selects.user_pk_index] is not None:
        row = found[1:]
    else:
        with user_connection.cursor() as cursor:
            execute_prepared(
                cursor, user_alias, selects.user, [user_model._meta.pk.get_db_prep_value(user_id, user_connection)]
            )
            row = cursor.fetchone()
    if row is None:
        return
    user = selects.user_columns.build(row, user_connection)
    if not backend.user_can_authenticate(user):
        return
    if not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return  # Django's get_user tries the fallback secrets or flushes the session
    request.user = user
    if selects.together:
        _remember_session_user(remembered, user_id)


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


class _LoginSelect:
    """``SELECT`` of a user by its username, with its membership of a group by name (one database)."""

    def __init__(self, alias, user_model, groups):
        connection = connections[alias]
        qn = connection.ops.quote_name
        meta = user_model._meta
        self.columns = ModelColumns(user_model, connection)
        user_table = qn(meta.db_table)
        user_pk = f"{user_table}.{qn(meta.pk.column)}"
        username = f"{user_table}.{qn(meta.get_field(user_model.USERNAME_FIELD).column)}"
        group_meta = groups.remote_field.model._meta
        group_table, through = qn(group_meta.db_table), qn(groups.remote_field.through._meta.db_table)
        member = (
            f"SELECT 1 FROM {through} INNER JOIN {group_table}"
            f" ON {group_table}.{qn(group_meta.pk.column)} = {through}.{qn(groups.m2m_reverse_name())}"
            f" WHERE {through}.{qn(groups.m2m_column_name())} = {user_pk}"
            f" AND {group_table}.{qn(group_meta.get_field('name').column)} = %s"
        )
        self.sql = f"SELECT {self.columns.sql}, EXISTS ({member}) FROM {user_table} WHERE {username} = %s"


@functools.cache
def _login_select(alias, user_model, groups):
    return _LoginSelect(alias, user_model, groups)


def _get_user_with_group_flag(user_model, username):
    """
    ``get_by_natural_key(username)``, with the grader-group membership read in the same statement
    (see :data:`~submissions.external_grader.permissions.GROUP_FLAG`), written by hand (the ORM
    compiled it on each login), when the user model has the stock manager, a unique username and
    Django's ``groups``; otherwise the manager's own lookup, and the membership is queried later as
    before. Raises ``DoesNotExist`` as the manager does.
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
    if groups.remote_field.model is not Group or not unique or not _stock_manager(manager):
        return manager.get_by_natural_key(username)
    alias = router.db_for_read(user_model)
    select = _login_select(alias, user_model, groups)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(select.sql, [app_settings.GRADER_GROUP, username])
        row = cursor.fetchone()
    if row is None:
        raise user_model.DoesNotExist(f"No user {username!r}")
    user = select.columns.build(row[:-1], connection)
    setattr(user, GROUP_FLAG, bool(row[-1]))
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
