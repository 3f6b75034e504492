"""Reading request parameters: query string first, then the body (JSON or form-encoded)."""

from collections.abc import Mapping

from submissions.errors import InstructorParameterError

__all__ = ["get_param", "parse_bool"]

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def get_param(request, *names):
    """The first of ``names`` present in the query string, else in the body; None when absent."""
    for name in names:
        if name in request.query_params:
            return request.query_params.get(name)
    data = request.data
    if isinstance(data, Mapping):
        for name in names:
            if name in data:
                return data.get(name)
    return None


def parse_bool(value, field, default=False):
    """``true/false``, ``1/0``, ``yes/no`` (any case) or a JSON boolean; absent or empty → ``default``."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InstructorParameterError(
        f"Invalid boolean for {field}: {value!r}", field_errors={field: "Use true/false, 1/0 or yes/no."}
    )
