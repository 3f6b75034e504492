"""
Rows read and written by statements built once, for the hot paths of the grader interface (ADR 0017).

The ORM compiles a statement on every call, and for the small statements of a grader request that
cost more CPU than the database spent running them. Here:

* :class:`ModelColumns` gives one model's concrete columns for a hand-written ``SELECT`` and turns the
  matching slice of a result row into an instance, with the converters the ORM would apply
  (``from_db_value`` of custom fields, the backend's own), through ``Model.from_db``;
* :func:`update_row` and :func:`insert_row` write an instance with one statement built once per
  model, database and field list. Both use the ORM's ``save`` instead whenever a ``pre_save`` or
  ``post_save`` receiver listens for the model, so receivers see every save as before;
* :func:`batched_writes` lets writes whose result nobody reads (:func:`defer`, ``update_row``) travel
  in front of the transaction's next statement (:func:`execute`, ``insert_row``) instead of taking a
  round trip each (PostgreSQL with psycopg 3's client-side binding, Django's default there);
* :func:`relaxed_commit` lets a lease-like write sent alone in autocommit skip the wait for its WAL
  flush (ADR 0018);
* :func:`execute_prepared` runs a statement sent alone in autocommit as one prepared on the server, so
  PostgreSQL plans it once per connection (ADR 0019).
"""

import contextlib
import functools
import hashlib
import re

from django.db import DatabaseError, connections
from django.db.models import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save

__all__ = [
    "ModelColumns",
    "has_save_receivers",
    "update_row",
    "insert_row",
    "id_sequence",
    "batched_writes",
    "defer",
    "execute",
    "relaxed_commit",
    "execute_prepared",
]


class ModelColumns:
    """
    The concrete columns of ``model`` on the database of ``connection``, qualified by its table.

    Holds no connection (connections are per thread): the backend's converters are kept by name and
    looked up on the connection passed to :meth:`build`.
    """

    def __init__(self, model, connection):
        self.model = model
        table = connection.ops.quote_name(model._meta.db_table)
        fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in fields]
        self.quoted_columns = [connection.ops.quote_name(field.column) for field in fields]
        self.sql = self.qualified(table)
        self.converters = []
        for index, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            backend = [converter.__name__ for converter in connection.ops.get_db_converters(col)]
            own = col.get_db_converters(connection)
            if backend or own:
                self.converters.append((index, field, backend, own))

    def qualified(self, qualifier):
        """The column list qualified by ``qualifier`` (a quoted table name or alias), in build order."""
        return ", ".join(f"{qualifier}.{column}" for column in self.quoted_columns)

    def __len__(self):
        return len(self.attnames)

    def build(self, values, connection):
        """The instance of one result row's slice ``values`` (in the order of :attr:`sql`)."""
        values = list(values)
        for index, field, backend, own in self.converters:
            value = values[index]
            for name in backend:
                value = getattr(connection.ops, name)(value, field, connection)
            for converter in own:
                value = converter(value, field, connection)
            values[index] = value
        return self.model.from_db(connection.alias, self.attnames, values)


def has_save_receivers(model, besides=()):
    """
    Whether a ``pre_save`` or ``post_save`` receiver listens for ``model`` (then the ORM's save is used),
    not counting the ``post_save`` receivers ``besides`` (functions the caller runs itself).
    """
    if pre_save.has_listeners(model):
        return True
    if not besides:
        return post_save.has_listeners(model)
    try:
        sync_receivers, async_receivers = post_save._live_receivers(model)
    except (AttributeError, TypeError, ValueError):  # another Django's internals: assume someone listens
        return True
    return any(receiver not in besides for receiver in (*sync_receivers, *async_receivers))


@functools.cache
def _update_sql(alias, model, attnames):
    qn = connections[alias].ops.quote_name
    meta = model._meta
    assignments = ", ".join(f"{qn(meta.get_field(name).column)} = %s" for name in attnames)
    return f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"


def update_row(obj, attnames, using):
    """
    ``obj.save(update_fields=attnames, using=using)``: one ``UPDATE`` of plain values (fields'
    ``pre_save`` run), deferred (:func:`defer`) inside :func:`batched_writes`.
    """
    model = type(obj)
    if has_save_receivers(model):
        obj.save(update_fields=list(attnames), using=using)
        return
    connection = connections[using]
    values = []
    for name in attnames:
        field = model._meta.get_field(name)
        values.append(field.get_db_prep_save(field.pre_save(obj, False), connection))
    defer(using, _update_sql(using, model, tuple(attnames)), [*values, obj.pk])


@functools.cache
def _insert_sql(alias, model, with_pk=False):
    """The INSERT of ``model``'s fields: ``RETURNING`` the primary key it leaves to the database, or carrying it."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = [field for field in meta.local_concrete_fields if with_pk or field is not meta.auto_field]
    if any(field.db_default is not NOT_PROVIDED for field in fields):
        return fields, None  # the database computes some values: the ORM knows how to leave them out
    columns = ", ".join(qn(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({placeholders})"
    return fields, sql if with_pk else f"{sql} RETURNING {qn(meta.pk.column)}"


def insert_row(obj, using, receivers_besides=()):
    """
    ``obj.save(force_insert=True, using=using)`` for a new instance of a model with an auto primary key
    and plain field values, as one ``INSERT ... RETURNING`` where the backend returns columns from
    inserts and no field has a ``db_default`` (else the ORM). An instance whose primary key is already
    set (an id the caller took from the sequence, :func:`id_sequence`) has nothing to read back: its
    ``INSERT`` waits (:func:`defer`) to travel with the next statement. ``receivers_besides``:
    ``post_save`` receivers the caller runs itself when the ORM is not used (see
    :func:`has_save_receivers`). Returns whether the ORM's save was used (and so the receivers called).
    """
    model = type(obj)
    connection = connections[using]
    reserved = obj.pk is not None
    fields, sql = _insert_sql(using, model, with_pk=reserved)
    if (
        sql is None
        or has_save_receivers(model, besides=receivers_besides)
        or not connection.features.can_return_columns_from_insert
    ):
        obj.save(force_insert=True, using=using)
        return True
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    if reserved:
        defer(using, sql, values)
    else:
        with connection.cursor() as cursor:
            execute(cursor, using, sql, values)
            (obj.pk,) = cursor.fetchone()
    obj._state.adding = False
    obj._state.db = using
    return False


@functools.cache
def id_sequence(alias, model):
    """
    The name of the sequence that gives ``model``'s auto primary key its values on the PostgreSQL database
    ``alias`` (a ``serial`` or an identity column), or None (no such sequence, another backend). A
    statement the caller sends anyway can take an id with ``nextval(name)``, so that the row's
    ``INSERT`` needs no ``RETURNING`` (:func:`insert_row`).
    """
    connection = connections[alias]
    if connection.vendor != "postgresql" or model._meta.pk is not model._meta.auto_field:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        return cursor.fetchone()[0]


# -- writes batched with the next statement --

#: Attribute of a connection holding its deferred ``(sql, params)`` inside :func:`batched_writes`.
_PENDING = "_submissions_pending_writes"


def _can_batch(connection):
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
    if not connection.in_atomic_block or not _can_batch(connection) or getattr(connection, _PENDING, None) is not None:
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
        and _can_batch(connection)
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
