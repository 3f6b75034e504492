"""
A logging-in grader's session row, created with one statement.

Django's database session store creates a row with a query for a free key, then ``BEGIN``, an ``INSERT``
through the ORM and ``COMMIT``: four round trips and a wait for the disk, for every login of every watcher
connection. :func:`create_in_one_statement` gives a fresh session of that stock store a ``create()``
that inserts the row under a new random key with ``ON CONFLICT DO NOTHING`` (a taken key, never seen in
practice with 32 random characters, just draws another). On PostgreSQL that commit does not wait for the
disk: a session lost with the database server makes the watcher log in again (ADR 0018).
"""

import functools

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils.crypto import get_random_string

from submissions.services.rows import relaxed_commit

__all__ = ["create_in_one_statement", "insert_session"]

#: Backends whose ``INSERT ... ON CONFLICT DO NOTHING`` this module uses.
VENDORS = ("postgresql", "sqlite")


class _SessionCreatedInOneStatement(DatabaseSessionStore):
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


def create_in_one_statement(session):
    """
    Give ``session`` (a request's, before its row exists) the one-statement ``create()``, where it is
    Django's stock database store on a backend that has ``ON CONFLICT``. Returns whether it did.
    """
    if type(session) is not DatabaseSessionStore or session.model is not _session_model() or session.session_key:
        return False
    if connections[router.db_for_write(session.model)].vendor not in VENDORS:
        return False
    session.__class__ = _SessionCreatedInOneStatement
    return True


def _session_model():
    # Looked up on use: a host without django.contrib.sessions can still import this module.
    return DatabaseSessionStore.get_model_class()


@functools.cache
def _insert_sql(alias):
    qn = connections[alias].ops.quote_name
    meta = _session_model()._meta
    key, data, expiry = (qn(meta.get_field(name).column) for name in ("session_key", "session_data", "expire_date"))
    return (
        f"INSERT INTO {qn(meta.db_table)} ({key}, {data}, {expiry}) VALUES (%s, %s, %s) ON CONFLICT ({key}) DO NOTHING"
    )


def insert_session(session_key, session_data, expire_date):
    """Insert a session row; False, and nothing written, when ``session_key`` is taken."""
    alias = router.db_for_write(_session_model())
    connection = connections[alias]
    with connection.cursor() as cursor:
        expiry = connection.ops.adapt_datetimefield_value(expire_date)
        cursor.execute(relaxed_commit(alias, _insert_sql(alias)), [session_key, session_data, expiry])
        return cursor.rowcount == 1
