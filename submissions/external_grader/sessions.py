"""
A logging-in grader's session row, created with one statement.

Django's database session store creates a row with a query for a free key, then ``BEGIN``, an ``INSERT``
through the ORM and ``COMMIT``: four round trips and a wait for the disk, for every login of every watcher
connection. :func:`create_in_one_statement` gives the request, in place of a fresh session of that stock
store, a store of :class:`OneStatementSessionStore` holding the same data, whose ``create()`` inserts the row
under a new random key with ``ON CONFLICT DO NOTHING`` (a taken key, never seen in practice with 32 random
characters, just draws another). On PostgreSQL that commit does not wait for the disk: a session lost with
the database server makes the watcher log in again (ADR 0018).
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils.crypto import get_random_string

from submissions.db import auth as auth_sql

__all__ = ["OneStatementSessionStore", "create_in_one_statement", "insert_session", "VENDORS"]

#: Backends on which a session row is created with one statement.
VENDORS = auth_sql.INSERT_SESSION_VENDORS


class OneStatementSessionStore(DatabaseSessionStore):
    """Django's database session store; only ``create()`` differs (see the module docstring)."""

    @property
    def key_salt(self):
        # Django salts the signature with the store's class name: sign as the stock store, which reads the row.
        return "django.contrib.sessions." + DatabaseSessionStore.__qualname__

    def create(self):
        while True:
            self._session_key = get_random_string(32, VALID_KEY_CHARS)
            data = self.encode(self._get_session(no_load=True))
            if insert_session(self._session_key, data, self.get_expiry_date()):
                self.modified = True
                return


def create_in_one_statement(request):
    """
    Replace ``request.session`` (before its row exists) by a :class:`OneStatementSessionStore` with the same
    data, where it is Django's stock database store on a backend that has ``ON CONFLICT``. Returns whether
    it did.
    """
    session = request.session
    if type(session) is not DatabaseSessionStore or session.model is not _session_model() or session.session_key:
        return False
    if connections[router.db_for_write(session.model)].vendor not in VENDORS:
        return False
    fresh = OneStatementSessionStore()
    fresh.update(dict(session.items()))
    request.session = fresh
    return True


def _session_model():
    # Looked up on use: a host without django.contrib.sessions can still import this module.
    return DatabaseSessionStore.get_model_class()


def insert_session(session_key, session_data, expire_date):
    """Insert a session row; False, and nothing written, when ``session_key`` is taken."""
    return auth_sql.insert_session(router.db_for_write(_session_model()), session_key, session_data, expire_date)
