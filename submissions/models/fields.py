"""Model fields of the submissions app."""

import json

from django.db import models

__all__ = ["AnonymizedUserIDField", "JSONTextField", "UndecodableJSON"]


class AnonymizedUserIDField(models.CharField):
    """The anonymous user id an XBlock sees: a 255-character indexed string."""

    description = "The anonymized User ID that the XBlock sees"

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 255
        kwargs["db_index"] = True
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_length"]
        del kwargs["db_index"]
        return name, path, args, kwargs


class UndecodableJSON:
    """
    Stands in for a stored value that is not valid JSON.

    Reading such a row must not break a whole queryset; the services detect this marker and raise
    ``SubmissionInternalError`` for the one submission concerned.
    """

    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    def __repr__(self):
        return f"UndecodableJSON({self.raw[:40]!r})"


class JSONTextField(models.TextField):
    """
    JSON kept in a text column, dumped with ``ensure_ascii=True``.

    edx-submissions stores answers this way (column ``raw_answer``); a native JSON column would
    change the schema of existing databases, so the column stays text.
    """

    description = "JSON serialised into a text column"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            return UndecodableJSON(value)

    def get_prep_value(self, value):
        if value is None and self.null:
            return None
        if isinstance(value, UndecodableJSON):
            return value.raw
        return json.dumps(value, ensure_ascii=True)

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))
