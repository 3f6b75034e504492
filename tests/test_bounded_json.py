"""
``submissions.bounded_json``: the same results as ``json.loads`` within the bounds, a ``JSONLimitError`` (a
``ValueError``) beyond them, never a ``RecursionError`` or an integer that overflows a float, also on the
worst texts a request body can hold (their times: ``bench/bounded_json_worst.py``). Also the DRF parser built on it.
"""

import io
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError

from submissions import bounded_json
from submissions.bounded_json import MAX_DEPTH, MAX_NUMBER_LENGTH, JSONLimitError, loads, nesting_depth
from submissions.parsers import BoundedJSONParser
from tests.hostile_json import hostile_texts

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def nested(depth, kind):
    if kind == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@FUZZ
@given(json_values)
def test_same_result_as_json_within_the_bounds(value):
    text = json.dumps(value)
    assert loads(text) == json.loads(text)
    assert loads(text.encode("utf-16")) == json.loads(text.encode("utf-16"))


@FUZZ
@given(hostile_texts)
def test_hostile_texts_parse_or_raise_a_value_error(text):
    try:
        value = loads(text)
    except ValueError:
        return
    # What parses is within the bounds: no overflow converting its numbers, nothing too deep to walk.
    assert nesting_depth(json.dumps(value)) <= MAX_DEPTH
    if isinstance(value, int):
        assert math.isfinite(value)


@pytest.mark.parametrize("kind", ["[", "{"])
def test_depth_limit_is_exact(kind):
    assert nesting_depth(nested(MAX_DEPTH, kind)) == MAX_DEPTH
    assert loads(nested(MAX_DEPTH, kind)) is not None
    with pytest.raises(JSONLimitError, match=f"nested deeper than {MAX_DEPTH} levels"):
        loads(nested(MAX_DEPTH + 1, kind))


def test_the_issue_bomb_is_refused_before_parsing():
    """``'[' * 100000`` made json.loads raise RecursionError (issue 14)."""
    with pytest.raises(RecursionError):
        json.loads("[" * 100_000)
    with pytest.raises(JSONLimitError) as raised:
        loads("[" * 100_000)
    assert isinstance(raised.value, ValueError)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"code": "[" * 10_000 + '\\"{{{' + "}" * 500, "deep": [[["ok"]]]})
    assert nesting_depth(text) == 4
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize("literal", ["1" * MAX_NUMBER_LENGTH, "-" + "9" * (MAX_NUMBER_LENGTH - 1), "0." + "5" * 298])
def test_number_literals_up_to_the_limit_parse(literal):
    assert loads(literal) == json.loads(literal)


@pytest.mark.parametrize(
    "literal", ["1" + "0" * 400, "1" * (MAX_NUMBER_LENGTH + 1), "-" + "1" * MAX_NUMBER_LENGTH, "1." + "0" * 400]
)
def test_longer_number_literals_are_refused(literal):
    with pytest.raises(JSONLimitError, match=f"number longer than {MAX_NUMBER_LENGTH} characters"):
        loads('{"score": ' + literal + "}")


def test_every_integer_within_the_limit_converts_to_a_finite_float():
    assert math.isfinite(float(loads("9" * MAX_NUMBER_LENGTH)))


def test_constants_are_optional():
    assert math.isnan(loads("NaN"))
    with pytest.raises(ValueError, match="NaN is not allowed"):
        loads("NaN", allow_constants=False)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("[" * 2_500_000, False),  # the deepest text a 2.5 MB body holds
        ("[" + "[]," * 833_000 + "[]]", True),  # the most brackets a valid one holds
        ('"' + '\\"' * 1_250_000, False),  # an unterminated string of escaped quotes: no quadratic rescans
        ('["' + "x" * 2_500_000 + '"]', True),
    ],
)
def test_worst_texts_of_a_request_body_are_parsed_or_refused(text, valid):
    """How long they take is measured by ``bench/bounded_json_worst.py`` (a timed assertion would be flaky)."""
    try:
        loads(text)
        parsed = True
    except ValueError:
        parsed = False
    assert parsed == valid


def _parse(raw, **context):
    return BoundedJSONParser().parse(io.BytesIO(raw), "application/json", context)


def test_parser_turns_every_refusal_into_a_parse_error(settings):
    assert _parse(b'{"a": [1, 2]}') == {"a": [1, 2]}
    for raw in (b"[" * 100_000, b'{"score": 1' + b"0" * 400 + b"}", b"\xff\xfe{", b"[NaN]", b"not json"):
        with pytest.raises(ParseError, match="JSON parse error"):
            _parse(raw)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    with pytest.raises(ParseError, match="larger than 100 bytes"):
        _parse(b'["' + b"x" * 100 + b'"]')
    assert _parse(b'["' + b"x" * 96 + b'"]') == ["x" * 96]


def test_module_is_standard_library_only():
    """The reference grader imports it (tests/external_grader/grader/test_standalone.py checks the rest)."""
    source = Path(bounded_json.__file__).read_text()
    imports = {line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "json", "re", "itertools", "typing"}
