"""Output comparison modes of the testcases plugin (pure functions)."""

import pytest

from submissions.external_grader.grader.testcases import PayloadError, outputs_match


@pytest.mark.parametrize(
    "expected, actual, mode, result",
    [
        ("3\n", "3\n", "exact", True),
        ("3\n", "3", "exact", True),  # one final newline is not significant
        ("3\r\n4\r\n", "3\n4\n", "exact", True),
        ("3\n", "3 \n", "exact", False),
        ("3\n", "3\n\n", "exact", False),
        ("a  b\nc", "a b c\n", "whitespace", True),
        ("a b", "a b c", "whitespace", False),
        ("", "   \n", "whitespace", True),
        ("0.333333", "0.3333331", "float", True),
        ("0.333", "0.334", "float", False),
        ("1e9", "1000000000.0004", "float", True),  # relative tolerance
        ("x 1.5", "x 1.5000000001", "float", True),
        ("x 1.5", "y 1.5", "float", False),
        ("1 2", "1", "float", False),
        ("nan", "nan", "float", True),
        ("inf", "inf", "float", True),
    ],
)
def test_outputs_match(expected, actual, mode, result):
    assert outputs_match(expected, actual, mode, 1e-6) is result


def test_tolerance_is_used():
    assert outputs_match("1.0", "1.04", "float", 0.05)
    assert not outputs_match("1.0", "1.06", "float", 0.05)


def test_unknown_mode_raises():
    with pytest.raises(PayloadError):
        outputs_match("a", "a", "fuzzy")
