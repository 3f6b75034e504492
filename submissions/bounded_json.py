"""
JSON from clients, parsed within bounds (ADR 0050).

Python's ``json`` parses nesting recursively (``'[' * 100000`` raises ``RecursionError``, not ``ValueError``) and
turns any integer literal into an ``int`` (one with 400 digits overflows the first ``float()`` or
``math.isfinite()`` it meets). :func:`loads` refuses both before they can reach the code that reads the result:

* nesting deeper than :data:`MAX_DEPTH` levels is refused before parsing, by one linear scan of the text
  (strings skipped, brackets counted);
* a number literal longer than :data:`MAX_NUMBER_LENGTH` characters is refused while parsing. Every integer of
  at most 300 characters converts to a finite float (the largest double has 309 digits), so nothing
  downstream overflows.

Both refusals raise :class:`JSONLimitError`, a ``ValueError`` like ``json``'s own errors: callers that already
treat invalid JSON as bad input need no other ``except``. Standard library only: the reference grader uses it
for the server's replies too.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_NUMBER_LENGTH", "JSONLimitError", "loads", "nesting_depth"]

#: Deepest nesting of arrays and objects accepted. Real documents (grader replies, API bodies) use fewer than
#: ten levels; a hundred leaves room for any of them and stays far below the interpreter's recursion limit in
#: whatever walks the result.
MAX_DEPTH = 100
#: Longest number literal accepted, in characters (sign, digits, point and exponent included).
MAX_NUMBER_LENGTH = 300


class JSONLimitError(ValueError):
    """A JSON text nested too deeply or with a number literal too long."""


# A JSON string, or an unterminated one up to the end of the text: the match never fails once it has
# started on a quote, so the scan stays linear whatever the text.
_STRING = re.compile(r'"[^"\\]*(?:\\(?:.|\Z)[^"\\]*)*(?:"|\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_STEPS = [0] * 256
_STEPS[ord("[")] = _STEPS[ord("{")] = 1
_STEPS[ord("]")] = _STEPS[ord("}")] = -1


def nesting_depth(text: str) -> int:
    """
    How deeply the arrays and objects of a JSON ``text`` nest (brackets inside strings do not count): the
    highest running count of opening minus closing brackets. Linear, in C loops: about 0.2 s for 2.5 MB of
    brackets.
    """
    brackets = _STRING.sub("", text).encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEPS.__getitem__, brackets)), default=0)


def _bounded(convert):
    def parse(literal: str) -> Any:
        if len(literal) > MAX_NUMBER_LENGTH:
            raise JSONLimitError(f"JSON number longer than {MAX_NUMBER_LENGTH} characters")
        return convert(literal)

    return parse


_parse_int = _bounded(int)
_parse_float = _bounded(float)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} is not allowed")


def loads(text: str | bytes | bytearray, *, allow_constants: bool = True) -> Any:
    """
    ``json.loads(text)`` within :data:`MAX_DEPTH` and :data:`MAX_NUMBER_LENGTH`; raises :class:`JSONLimitError`
    beyond them and ``ValueError`` for anything else that is not JSON. ``allow_constants=False`` also refuses
    ``NaN``, ``Infinity`` and ``-Infinity`` (which ``json`` accepts).
    """
    if isinstance(text, (bytes, bytearray)):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    if not isinstance(text, str):
        raise TypeError(f"JSON text must be str or bytes, not {type(text).__name__}")
    # Fewer brackets than the limit cannot nest beyond it (the common case: no scan).
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        raise JSONLimitError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return json.loads(
        text,
        parse_int=_parse_int,
        parse_float=_parse_float,
        parse_constant=None if allow_constants else _refuse_constant,
    )
