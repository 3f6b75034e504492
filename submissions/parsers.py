"""
:class:`BoundedJSONParser`: DRF's JSON parser on :func:`submissions.bounded_json.loads` (ADR 0050).

The library's views use it (the grader interface, the instructor API); a host sets it as its default JSON
parser to give its own API the same bounds::

    REST_FRAMEWORK = {"DEFAULT_PARSER_CLASSES": [
        "submissions.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ]}
"""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from submissions import bounded_json

__all__ = ["BoundedJSONParser"]


class BoundedJSONParser(JSONParser):
    """
    ``application/json`` bodies parsed within the bounds of :mod:`submissions.bounded_json` and within
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (which Django applies to form bodies but DRF's JSON parser does not read):
    anything else raises ``ParseError`` (400), never a ``RecursionError`` or an ``OverflowError`` later.
    ``NaN`` and ``Infinity`` are refused when DRF's ``STRICT_JSON`` is on (its default), as DRF does.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise ParseError(f"JSON parse error - body larger than {limit} bytes")
        try:
            return bounded_json.loads(raw.decode(encoding), allow_constants=not self.strict)
        except ValueError as exc:  # includes UnicodeDecodeError and bounded_json.JSONLimitError
            raise ParseError(f"JSON parse error - {exc}") from exc
