"""
Rows read and written by statements built once, for the hot paths of the grader interface (ADR 0017).

The ORM compiles a statement on every call, and for the small statements of a grader request that
cost more CPU than the database spent running them. Here:

* :class:`ModelColumns` gives one model's concrete columns for a hand-written ``SELECT`` and turns the
  matching slice of a result row into an instance, with the converters the ORM would apply
  (``from_db_value`` of custom fields, the backend's own), through ``Model.from_db``;
* :func:`update_row` and :func:`insert_row` write an instance with one statement built once per
  model, database and field list. Both use the ORM's ``save`` instead whenever a ``pre_save`` or
  ``post_save`` receiver listens for the model, so receivers see every save as before.
"""

import functools

from django.db import connections
from django.db.models import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save

__all__ = ["ModelColumns", "has_save_receivers", "update_row", "insert_row"]


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


def has_save_receivers(model):
    """Whether a ``pre_save`` or ``post_save`` receiver listens for ``model`` (then the ORM's save is used)."""
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


@functools.cache
def _update_sql(alias, model, attnames):
    qn = connections[alias].ops.quote_name
    meta = model._meta
    assignments = ", ".join(f"{qn(meta.get_field(name).column)} = %s" for name in attnames)
    return f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"


def update_row(obj, attnames, using):
    """``obj.save(update_fields=attnames, using=using)``: one ``UPDATE`` of plain values (fields' ``pre_save`` run)."""
    model = type(obj)
    if has_save_receivers(model):
        obj.save(update_fields=list(attnames), using=using)
        return
    connection = connections[using]
    values = []
    for name in attnames:
        field = model._meta.get_field(name)
        values.append(field.get_db_prep_save(field.pre_save(obj, False), connection))
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(using, model, tuple(attnames)), [*values, obj.pk])


@functools.cache
def _insert_sql(alias, model):
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    if any(field.db_default is not NOT_PROVIDED for field in fields):
        return fields, None  # the database computes some values: the ORM knows how to leave them out
    columns = ", ".join(qn(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING {qn(meta.pk.column)}"
    return fields, sql


def insert_row(obj, using):
    """
    ``obj.save(force_insert=True, using=using)`` for a new instance of a model with an auto primary key
    and plain field values, as one ``INSERT ... RETURNING`` where the backend returns columns from
    inserts and no field has a ``db_default`` (else the ORM).
    """
    model = type(obj)
    connection = connections[using]
    fields, sql = _insert_sql(using, model)
    if sql is None or has_save_receivers(model) or not connection.features.can_return_columns_from_insert:
        obj.save(force_insert=True, using=using)
        return
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        (pk,) = cursor.fetchone()
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
