"""The built-in testcases plugin, per language, in the real sandbox."""

import json
import shutil

import pytest

from submissions.external_grader.grader.languages import get_language
from submissions.external_grader.grader.plugins import GradingRequest, load_plugin

from .programs import BROKEN, LOOP, PRODUCT, SUM, SUM_TESTS

LANGUAGES = ["python", "javascript", "java", "c", "cpp"]
REPLY_KEYS = {"correct", "score", "msg", "results", "compile_output", "compile_failed"}
RESULT_KEYS = {
    "name", "hidden", "points", "earned", "passed", "status", "message", "stdout", "stderr", "truncated", "time_ms"
}  # fmt: skip


@pytest.fixture
def plugin():
    return load_plugin("testcases", max_timeouts=1)


def grade(plugin, box, language, source, tests=SUM_TESTS, limits=None):
    lang = get_language(language)
    missing = lang.missing_tools()
    if missing:
        pytest.skip(f"{language} runtime not installed: {', '.join(missing)}")
    payload = {"language": language, "tests": tests}
    if limits:
        payload["limits"] = limits
    reply = plugin.grade(GradingRequest(json.dumps(payload), source), box)
    assert set(reply) == REPLY_KEYS
    json.dumps(reply)  # serialisable as the xqueue_body
    return reply


@pytest.mark.parametrize("language", LANGUAGES)
def test_correct_program_passes(plugin, box, language):
    reply = grade(plugin, box, language, SUM[language])
    assert reply["correct"] is True, reply["msg"]
    assert reply["score"] == 1.0
    assert "2 of 2 tests passed" in reply["msg"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_partly_wrong_program_gets_partial_credit(plugin, box, language):
    reply = grade(plugin, box, language, PRODUCT[language])
    assert reply["correct"] is False
    assert reply["score"] == pytest.approx(2 / 3)
    assert "1 of 2 tests passed" in reply["msg"]
    assert "Wrong answer." in reply["msg"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_broken_program_fails_with_the_errors_shown(plugin, box, language):
    reply = grade(plugin, box, language, BROKEN[language])
    assert reply["correct"] is False
    assert reply["score"] == 0
    if language in ("c", "cpp", "java"):
        assert "Compilation failed" in reply["msg"]
        assert "error" in reply["msg"]
        assert "<table" not in reply["msg"]
    else:
        assert "SyntaxError" in reply["msg"]  # shown as the run's stderr
        assert "exited with an error" in reply["msg"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_endless_program_is_reported_as_a_time_limit(plugin, box, language):
    reply = grade(plugin, box, language, LOOP[language], limits={"cpu_seconds": 1, "wall_seconds": 4})
    assert reply["correct"] is False
    assert reply["score"] == 0
    assert "Time limit exceeded" in reply["msg"]
    assert "Not run: earlier tests exceeded the time limit." in reply["msg"]  # max_timeouts=1


def test_memory_hog_is_reported_to_the_learner(plugin, box):
    source = "x = []\nwhile True:\n    x.append(b'm' * (1 << 20))\n"
    reply = grade(plugin, box, "python", source, limits={"memory_mb": 64})
    assert reply["score"] == 0
    assert "Memory limit exceeded" in reply["msg"]


def test_output_flood_is_reported_and_truncated(plugin, box):
    source = "import sys\nwhile True:\n    sys.stdout.write('w' * 65536)\n"
    reply = grade(plugin, box, "python", source)
    assert "Output limit exceeded" in reply["msg"]
    assert "more characters" in reply["msg"]
    assert len(reply["msg"]) < 20000


def test_output_and_expected_values_are_html_escaped(plugin, box):
    source = "print('<script>alert(1)</script> & <b>')\n"
    tests = [{"stdin": "", "expected_stdout": "<i>x</i> & y\n", "points": 1}]
    reply = grade(plugin, box, "python", source, tests=tests)
    msg = reply["msg"]
    assert "<script>" not in msg and "<b>" not in msg and "<i>" not in msg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in msg
    assert "&lt;i&gt;x&lt;/i&gt; &amp; y" in msg


def test_compiler_errors_are_escaped(plugin, box):
    if not shutil.which("gcc"):
        pytest.skip("gcc is not installed")
    reply = grade(plugin, box, "c", "#include <stdio.h>\nint main(void) { <script>; }\n")
    assert "Compilation failed" in reply["msg"]
    assert "<script>" not in reply["msg"]
    assert "&lt;script&gt;" in reply["msg"]


def test_hidden_cases_do_not_show_expected_output(plugin, box):
    tests = [{"stdin": "1 2\n", "expected_stdout": "SECRET-3\n", "hidden": True}]
    reply = grade(plugin, box, "python", SUM["python"], tests=tests)
    assert "SECRET" not in reply["msg"]
    assert "hidden" in reply["msg"]


def test_comparison_modes_end_to_end(plugin, box):
    source = "print('  1.0000001   2\\n\\n  hello ')\n"
    tests = [
        {"stdin": "", "expected_stdout": "1 2 hello", "compare": "exact", "points": 1},
        {"stdin": "", "expected_stdout": "1.0000001 2\nhello\n", "compare": "whitespace", "points": 1},
        {"stdin": "", "expected_stdout": "1 2.0 hello", "compare": "float", "tolerance": 1e-5, "points": 1},
        {"stdin": "", "expected_stdout": "1.1 2 hello", "compare": "float", "tolerance": 1e-5, "points": 1},
    ]
    reply = grade(plugin, box, "python", source, tests=tests)
    assert reply["score"] == pytest.approx(0.5)  # whitespace and the close float pass


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ("not json", "not JSON"),
        (json.dumps({"grader": "sum.py"}), "unsupported language"),
        (json.dumps({"language": "cobol", "tests": SUM_TESTS}), "unsupported language"),
        (json.dumps({"language": "python", "tests": []}), "no test cases"),
        (json.dumps({"language": "python", "tests": [{"expected_stdout": "1", "compare": "fuzzy"}]}), "fuzzy"),
        # beyond bounded_json's limits (ADR 0050), or numbers that overflow a float: reported, not crashed
        ("[" * 100_000, "nested deeper than 100 levels"),
        ('{"language": "python", "tests": [{"expected_stdout": "1", "points": 1%s}]}' % ("0" * 400), "number longer"),
        (json.dumps({"language": "python", "tests": SUM_TESTS, "limits": {"memory_mb": 1e308}}), "invalid limits"),
    ],
)
def test_unusable_payload_is_reported_not_crashed(plugin, box, payload, fragment):
    reply = plugin.grade(GradingRequest(payload, "print(1)"), box)
    assert reply["correct"] is False and reply["score"] == 0
    assert "cannot be graded" in reply["msg"]
    assert fragment in reply["msg"]
    assert set(reply) == REPLY_KEYS
    assert (reply["results"], reply["compile_output"], reply["compile_failed"]) == ([], None, False)
