"""The one classifier of database errors the library reacts to (lock refusals, deadlocks)."""

from django.db import OperationalError

__all__ = ["LOCK_REFUSED", "DEADLOCK", "SERIALIZATION", "error_kind", "is_lock_refusal", "is_transient"]

LOCK_REFUSED = "lock_refused"
DEADLOCK = "deadlock"
SERIALIZATION = "serialization"

#: SQLSTATEs (PostgreSQL) and error numbers (MySQL, MariaDB) by kind.
_KINDS = {
    "55P03": LOCK_REFUSED,  # PostgreSQL lock_not_available (NOWAIT)
    3572: LOCK_REFUSED,  # MySQL ER_LOCK_NOWAIT
    1205: LOCK_REFUSED,  # MariaDB NOWAIT, and InnoDB's lock wait timeout
    "40P01": DEADLOCK,  # PostgreSQL deadlock_detected
    1213: DEADLOCK,  # InnoDB ER_LOCK_DEADLOCK
    "40001": SERIALIZATION,  # serialization_failure
}


def error_kind(exc):
    """``LOCK_REFUSED``, ``DEADLOCK``, ``SERIALIZATION`` or None for a ``DatabaseError`` of any backend."""
    if not isinstance(exc, OperationalError):
        return None
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state is None:
        state = getattr(getattr(cause, "diag", None), "sqlstate", None)
    if state in _KINDS:
        return _KINDS[state]
    code = exc.args[0] if exc.args else None
    if isinstance(code, int) and code in _KINDS:
        return _KINDS[code]
    if "locked" in str(exc).lower():  # SQLite: "database is locked", "database table is locked"
        return LOCK_REFUSED
    return None


def is_lock_refusal(exc):
    """A row lock that was not granted at once (NOWAIT) or in time."""
    return error_kind(exc) == LOCK_REFUSED


def is_transient(exc):
    """An error a plain retry of the same statement or transaction resolves."""
    return error_kind(exc) is not None
