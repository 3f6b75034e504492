"""
Model instances from hand-written ``SELECT`` statements.

The hot paths of the grader interface build a few statements once and run them on every request
(ADR 0017). :class:`ModelColumns` gives one model's concrete columns for such a statement and turns
the matching slice of a result row into an instance, applying the converters the ORM would apply
(``from_db_value`` of custom fields, the backend's own), through ``Model.from_db``.
"""

__all__ = ["ModelColumns"]


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
        self.sql = ", ".join(f"{table}.{connection.ops.quote_name(field.column)}" for field in fields)
        self.converters = []
        for index, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            backend = [converter.__name__ for converter in connection.ops.get_db_converters(col)]
            own = col.get_db_converters(connection)
            if backend or own:
                self.converters.append((index, field, backend, own))

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
