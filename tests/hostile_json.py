"""
Hypothesis strategies of hostile JSON texts for the fuzz tests of every JSON-accepting endpoint (issue 14,
point 3; ADR 0050): nesting around and far beyond ``bounded_json.MAX_DEPTH`` (closed or not, arrays, objects or
both), and number literals around and far beyond ``MAX_NUMBER_LENGTH`` (integers, decimals, exponents).
"""

import json

from hypothesis import strategies as st

from submissions.bounded_json import MAX_DEPTH, MAX_NUMBER_LENGTH

__all__ = ["deep_texts", "long_numbers", "hostile_texts", "hostile_objects", "raw_object", "ERROR_LEVEL"]

ERROR_LEVEL = 40  # logging.ERROR

_depths = st.integers(0, 2 * MAX_DEPTH) | st.sampled_from([MAX_DEPTH, MAX_DEPTH + 1, 1_000, 100_000])


def _nest(depth, kind, closed, inner):
    opens = ["[" if kind == "[" or (kind == "mixed" and level % 2) else '{"k":' for level in range(depth)]
    closes = ["]" if opening == "[" else "}" for opening in reversed(opens)] if closed else []
    return "".join(opens) + inner + "".join(closes)


#: JSON texts nested ``depth`` levels deep around a small value (unclosed ones are invalid JSON, as attacks are).
deep_texts = st.builds(
    _nest,
    _depths,
    st.sampled_from(["[", "{", "mixed"]),
    st.booleans(),
    st.sampled_from(["1", '"x"', "null", "[]", "{}"]),
)

_lengths = st.integers(1, 2 * MAX_NUMBER_LENGTH) | st.sampled_from(
    [MAX_NUMBER_LENGTH - 1, MAX_NUMBER_LENGTH, MAX_NUMBER_LENGTH + 1, 400, 4_300, 5_000]
)


def _number(length, shape, negative):
    digits = "1" + "0" * max(length - 1, 0)
    text = {"int": digits, "decimal": digits + ".5", "exponent": "1e" + digits, "fraction": "0." + digits}[shape]
    return "-" + text if negative else text


#: Number literals (valid JSON) of every length around the bound and far beyond it.
long_numbers = st.builds(_number, _lengths, st.sampled_from(["int", "decimal", "exponent", "fraction"]), st.booleans())

#: Either kind, as a whole JSON text.
hostile_texts = deep_texts | long_numbers


def raw_object(**members):
    """The JSON object text whose members are these JSON texts, verbatim: ``raw_object(score="1e400")``."""
    return "{" + ", ".join(f"{json.dumps(key)}: {text}" for key, text in members.items()) + "}"


def hostile_objects(keys, plain=None):
    """
    JSON object texts with ``keys`` (plus ``plain``'s fixed members) whose values are hostile texts or plain
    values: each hostile member sits where an endpoint reads a field.
    """
    plain = dict(plain or {})
    values = hostile_texts | st.sampled_from(["1", "0.5", '"x"', "null", "true"])

    def build(chosen):
        return raw_object(**{key: json.dumps(value) for key, value in plain.items() if key not in chosen}, **chosen)

    return st.dictionaries(st.sampled_from(list(keys)), values, min_size=1).map(build)
