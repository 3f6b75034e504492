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
* writes that nobody reads back travel with the next statement inside
  :func:`~submissions.db.execution.batched_writes`.
"""

import functools

from django.db import connections
from django.db.models import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save

from submissions.db.execution import defer, execute

__all__ = ["ModelColumns", "read_converter", "has_save_receivers", "update_row", "insert_row", "id_sequence"]


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


def read_converter(model, name, connection):
    """``convert(value)``: a value of ``model``'s column ``name`` as read on ``connection``, as the ORM returns it."""
    field = model._meta.get_field(name)
    col = field.get_col(model._meta.db_table)
    converters = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]

    def convert(value):
        for converter in converters:
            value = converter(value, field, connection)
        return value

    return convert


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
