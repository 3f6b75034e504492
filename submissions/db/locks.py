"""Named locks (ADR 0014): the statements behind ``services.locks.locked_atomic``."""

import hashlib

from django.db import connections

__all__ = ["kind", "take_session_lock", "release_session_lock", "take_transaction_lock"]


def kind(alias):
    """``"session"`` (MySQL, MariaDB: ``GET_LOCK``), ``"transaction"`` (PostgreSQL) or None (no named locks)."""
    vendor = connections[alias].vendor
    return {"mysql": "session", "postgresql": "transaction"}.get(vendor)


def _digest(name, connection):
    scoped = f"{connection.settings_dict.get('NAME')}\x00{name}"
    return hashlib.sha256(scoped.encode("utf-8")).digest()


def _session_lock_name(connection, name):
    return "submissions:" + _digest(name, connection).hex()[:48]


def take_session_lock(alias, name, timeout):
    """``GET_LOCK``: whether the lock ``name`` was taken within ``timeout`` seconds."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", [_session_lock_name(connection, name), timeout])
        (acquired,) = cursor.fetchone()
    return acquired == 1


def release_session_lock(alias, name):
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT RELEASE_LOCK(%s)", [_session_lock_name(connection, name)])


def take_transaction_lock(alias, name):
    """``pg_advisory_xact_lock`` on a 64-bit hash of ``name``, held until the outermost transaction ends."""
    connection = connections[alias]
    key = int.from_bytes(_digest(name, connection)[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
