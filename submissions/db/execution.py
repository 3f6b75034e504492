"""
How statements travel (ADR 0017, 0018, 0019), for the hot paths of the grader interface:

* :func:`batched_writes` lets writes whose result nobody reads (:func:`defer`) travel in front of the
  transaction's next statement (:func:`execute`) instead of taking a round trip each (PostgreSQL with psycopg
  3's client-side binding, Django's default there);
* :func:`relaxed_commit` lets a lease-like write sent alone in autocommit skip the wait for its WAL flush
  (ADR 0018);
* :func:`execute_prepared` runs a statement sent alone in autocommit as one prepared on the server, so
  PostgreSQL plans it once per connection (ADR 0019).
"""

import contextlib
import functools
import hashlib
import re

from django.db import DatabaseError, connections

__all__ = ["batched_writes", "defer", "execute", "relaxed_commit", "execute_prepared", "can_batch"]


# -- writes batched with the next statement --

#: Attribute of a connection holding its deferred ``(sql, params)`` inside :func:`batched_writes`.
_PENDING = "_submissions_pending_writes"


def can_batch(connection):
    """Whether ``connection`` runs several statements with parameters in one call (psycopg 3, client-side binding)."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3 and not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")


@contextlib.contextmanager
def batched_writes(using):
    """
    Inside this block (itself inside a transaction on ``using``), :func:`defer`-red writes wait and go to
    the database in front of the next statement sent through :func:`execute`, in one round trip, or
    at the end of the block. Any other statement on the connection (the ORM's, a receiver's) first
    sends what waits, so every statement sees the writes made before it, in their order. On an
    exception nothing waiting is sent: the caller's transaction rolls back.

    Where the backend cannot batch, or outside a transaction, :func:`defer` runs each write at once.
    """
    connection = connections[using]
    if not connection.in_atomic_block or not can_batch(connection) or getattr(connection, _PENDING, None) is not None:
        yield
        return
    pending = []

    def send_pending_first(run, sql, params, many, context):
        if pending:
            _send(context["cursor"], pending)
        return run(sql, params, many, context)

    setattr(connection, _PENDING, pending)
    try:
        with connection.execute_wrapper(send_pending_first):
            yield
            if pending:
                with connection.cursor() as cursor:
                    _send(cursor, pending)
    finally:
        setattr(connection, _PENDING, None)


def _take(pending, *then):
    """The waiting writes, then ``then`` (``(sql, params)`` pairs), as one call's ``(sql, params)``; empties them."""
    statements = [*pending, *then]
    pending.clear()
    return "; ".join(sql for sql, _ in statements), [value for _, params in statements for value in params]


def _send(cursor, pending):
    cursor.execute(*_take(pending))


def defer(using, sql, params):
    """Run a write whose result is not read: at once, or inside :func:`batched_writes` with the next statement."""
    connection = connections[using]
    pending = getattr(connection, _PENDING, None)
    if pending is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    else:
        pending.append((sql, list(params)))


def execute(cursor, using, sql, params):
    """
    ``cursor.execute(sql, params)`` with the writes waiting on ``using`` (:func:`batched_writes`) sent in
    front of it in the same call; the cursor is left on ``sql``'s result.
    """
    pending = getattr(connections[using], _PENDING, None)
    if not pending:
        cursor.execute(sql, params)
        return
    waiting = len(pending)
    cursor.execute(*_take(pending, (sql, params)))
    for _ in range(waiting):
        cursor.nextset()


# -- commits that need not wait for the disk --


def relaxed_commit(using, sql):
    """
    ``sql``, followed by ``SET LOCAL synchronous_commit TO OFF`` where it runs alone in autocommit on
    PostgreSQL with several statements to a call (:func:`batched_writes`' condition): the call is one
    implicit transaction, which then commits without waiting for its WAL to reach the disk (a flush,
    ~0.3 ms, during which the worker idles). The cursor stays on ``sql``'s result.

    Only for writes whose loss in a crash of the database server the library recovers from by itself:
    a grader's claim on a row, an outbox row's delivery mark (ADR 0018). Anything that waits for a
    later synchronous commit (a score) flushes them first, as the WAL is written in order. Inside a
    transaction, or on other backends, ``sql`` is returned unchanged.
    """
    if not _alone_in_autocommit(connections[using]):
        return sql
    return f"{sql}; SET LOCAL synchronous_commit TO OFF"


def _alone_in_autocommit(connection):
    """Whether a call on ``connection`` is its own implicit transaction, and may carry several statements."""
    return (
        not connection.in_atomic_block
        and connection.get_autocommit()
        and not getattr(connection, _PENDING, None)
        and can_batch(connection)
    )


# -- statements prepared on the server --

#: Attribute of a connection: ``(psycopg connection, names prepared on it)``, the names None where a
#: prepared statement went wrong (a pooler in between): the rest of that session runs plain statements.
_PREPARED = "_submissions_prepared_statements"
#: At most this many statements are prepared on one connection; others run plain.
PREPARED_PER_CONNECTION = 16
#: SQLSTATEs saying the session's prepared statements are not as recorded, or no longer valid.
_NOT_PREPARED, _ALREADY_PREPARED, _PLAN_CHANGED = "26000", "42P05", "0A000"
_PLACEHOLDER = re.compile(r"%%|%s")


@functools.lru_cache(maxsize=64)
def _prepared_form(sql):
    """``(name, body)``: a name derived from ``sql`` (same text, same name, in any process) and ``sql`` with ``$n``."""
    numbers = iter(range(1, sql.count("%s") + 1))
    body = _PLACEHOLDER.sub(lambda match: match[0] if match[0] == "%%" else f"${next(numbers)}", sql)
    return "submissions_" + hashlib.blake2s(sql.encode(), digest_size=8).hexdigest(), body


def _prepared_names(connection):
    """The names prepared in ``connection``'s session, or None where a statement is not to be prepared."""
    if not _alone_in_autocommit(connection):
        return None  # in a transaction, a failed EXECUTE would abort it
    session = connection.connection
    state = getattr(connection, _PREPARED, None)
    if state is None or state[0] is not session:
        state = (session, set())
        setattr(connection, _PREPARED, state)
    return state[1]


def execute_prepared(cursor, using, sql, params, *, relaxed=False):
    """
    ``cursor.execute(sql, params)``, where ``sql`` runs alone in autocommit on PostgreSQL, as a statement
    prepared on the server: ``PREPARE`` with the first call on a connection, then ``EXECUTE`` with the
    parameters, so the server parses and plans it once per session instead of on every call (the pull
    spent half of its time there). ``relaxed``: with :func:`relaxed_commit`. The cursor is left on
    ``sql``'s result.

    A connection whose prepared statements are not where they were left (a pooler in transaction mode
    hands out another server session, ``DISCARD ALL``) fails the ``EXECUTE`` or the ``PREPARE``; the
    statement is then prepared again, or found prepared, once, and otherwise the connection runs plain
    statements from then on. A statement whose result columns a migration changed is prepared anew.
    Elsewhere (a transaction, other backends) ``sql`` runs as it is.
    """
    connection = connections[using]

    def send(text):
        cursor.execute(relaxed_commit(using, text) if relaxed else text, params)

    names = _prepared_names(connection)
    if names is None:
        send(sql)
        return
    name, body = _prepared_form(sql)
    if name not in names and len(names) >= PREPARED_PER_CONNECTION:
        send(sql)
        return
    call = f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    stale = False
    for _attempt in range(2):
        prepare = stale or name not in names
        preamble = ([f"DEALLOCATE {name}"] if stale else []) + ([f"PREPARE {name} AS {body}"] if prepare else [])
        try:
            send("; ".join([*preamble, call]))
        except DatabaseError as exc:
            state = getattr(exc.__cause__, "sqlstate", None)
            if state == _ALREADY_PREPARED:
                names.add(name)
            elif state == _NOT_PREPARED:
                names.discard(name)
            elif state == _PLAN_CHANGED and not prepare:
                stale = True  # a migration changed a column it returns: the server refuses the old plan
            else:
                raise
            continue
        names.add(name)
        for _statement in preamble:
            cursor.nextset()
        return
    setattr(connection, _PREPARED, (connection.connection, None))
    send(sql)
