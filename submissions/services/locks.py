"""
A transaction guarded by a named database lock (ADR 0014).

Used where a rule spans rows that may not exist yet, so no row can be locked: "one active team
submission per (course, item, team)". A check followed by an insert is only safe if no one else
can run the same check in between; the named lock gives that on every server backend.

* PostgreSQL: ``pg_advisory_xact_lock`` on a 64-bit hash of the name, taken inside the transaction
  and held until the *outermost* transaction ends, so the next holder's check sees the row.
* MySQL / MariaDB: ``GET_LOCK`` (session-scoped), released right after our ``atomic`` block. If that
  block is nested in a caller's transaction, the row we inserted is still uncommitted when the lock
  is released; InnoDB makes the next holder's *locking* read (``SELECT ... FOR UPDATE``) wait on that
  row until it commits or rolls back, so the check stays exact. Checks must therefore be locking reads.
* SQLite (and others): no named lock; SQLite serialises writers on the database file itself.
"""

import contextlib
import logging

from django.db import DatabaseError, router, transaction

from submissions.db import locks as named_locks
from submissions.errors import SubmissionInternalError

__all__ = ["locked_atomic", "LOCK_TIMEOUT_SECONDS"]

logger = logging.getLogger(__name__)

#: Seconds to wait for a MySQL/MariaDB named lock before giving up.
LOCK_TIMEOUT_SECONDS = 30


@contextlib.contextmanager
def locked_atomic(name, *, using=None, model=None, error_class=SubmissionInternalError):
    """``transaction.atomic()`` holding the named lock ``name`` (see the module docstring)."""
    using = using or router.db_for_write(model)
    lock_kind = named_locks.kind(using)
    if lock_kind == "session":
        if not named_locks.take_session_lock(using, name, LOCK_TIMEOUT_SECONDS):
            raise error_class(f"Timed out waiting for the lock {name!r}")
        try:
            with transaction.atomic(using=using):
                yield
        finally:
            try:
                named_locks.release_session_lock(using, name)
            except DatabaseError:
                # The session is gone (and its named locks with it); keep the original error.
                logger.warning("Could not release the lock %r", name, exc_info=True)
        return
    with transaction.atomic(using=using):
        if lock_kind == "transaction":
            named_locks.take_transaction_lock(using, name)
        yield
