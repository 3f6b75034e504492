"""
The ``testcases`` plugin's per-case results as data (``results``, ``compile_output``, ``compile_failed`` in the
reply), in the real sandbox: one entry per case with its status (each verdict, ``disk_limit`` included),
bounded output excerpts, its time, and hidden cases marked so that the host can withhold their data.
"""

import json

import pytest

from submissions.external_grader.grader.plugins import load_plugin
from submissions.external_grader.grader.probe import DISK_BYTES_AND_FILES
from submissions.external_grader.grader.testcases import STATUSES

from .programs import BROKEN, PRODUCT, SUM, SUM_TESTS
from .test_testcases_plugin import RESULT_KEYS, grade


@pytest.fixture
def plugin():
    return load_plugin("testcases", max_timeouts=1)


@pytest.mark.parametrize("language", ["python", "c"])
def test_each_case_is_reported_as_data_in_order(plugin, box, language):
    tests = [*SUM_TESTS, {"stdin": "5 5\n", "expected_stdout": "10\n", "hidden": True, "name": "secret"}]
    reply = grade(plugin, box, language, PRODUCT[language], tests=tests)
    results = reply["results"]
    assert [set(entry) for entry in results] == [RESULT_KEYS] * 3
    assert [entry["name"] for entry in results] == ["1", "2", "secret"]
    # the product: 1 * 2 is wrong, 2 * 2 right (2 points), 5 * 5 wrong
    assert [entry["status"] for entry in results] == ["wrong_answer", "passed", "wrong_answer"]
    assert [entry["passed"] for entry in results] == [False, True, False]
    assert [entry["hidden"] for entry in results] == [False, False, True]
    assert [entry["earned"] for entry in results] == [0.0, 2.0, 0.0]
    assert results[0]["message"] == "Wrong answer." and results[1]["message"] == ""
    assert [entry["stdout"] for entry in results[:2]] == ["2\n", "4\n"]
    # what the program printed, also for the hidden case: the host decides who may see it
    assert results[2]["stdout"] == "25\n"
    assert all(isinstance(entry["time_ms"], int) and 0 <= entry["time_ms"] < 10_000 for entry in results)
    assert reply["compile_failed"] is False
    assert sum(entry["earned"] for entry in results) / sum(entry["points"] for entry in results) == reply["score"]


def test_a_crash_reports_its_status_and_stderr(plugin, box):
    reply = grade(plugin, box, "python", "input()\nprint(1 // 0)\n")
    assert [entry["status"] for entry in reply["results"]] == ["runtime_error", "runtime_error"]
    assert "ZeroDivisionError" in reply["results"][0]["stderr"]
    assert reply["results"][0]["message"].startswith("Your program exited with an error")


def test_cases_after_the_time_outs_are_not_run(plugin, box):
    reply = grade(plugin, box, "python", "while True:\n    pass\n", limits={"cpu_seconds": 1, "wall_seconds": 3})
    first, second = reply["results"]
    assert first["status"] in ("cpu_limit", "wall_limit") and first["time_ms"] >= 900
    assert second["status"] == "not_run" and second["time_ms"] is None and second["stdout"] == ""
    assert second["message"] == "Not run: earlier tests exceeded the time limit."


def test_memory_and_output_limits_are_statuses(plugin, box):
    hog_source = "x = []\nwhile True:\n    x.append(b'm' * (1 << 20))\n"
    hog = grade(plugin, box, "python", hog_source, limits={"memory_mb": 64})
    assert {entry["status"] for entry in hog["results"]} == {"memory_limit"}
    flood = grade(plugin, box, "python", "import sys\nwhile True:\n    sys.stdout.write('w' * 65536)\n")
    entry = flood["results"][0]
    assert entry["status"] == "output_limit" and entry["truncated"] is True
    assert entry["stdout"] == "w" * len(entry["stdout"]) and len(entry["stdout"]) == 4096  # EXCERPT_CHARS


def test_a_full_scratch_space_is_the_disk_limit_status(plugin, box, isolation):
    if isolation.disk_limit != DISK_BYTES_AND_FILES:
        pytest.skip(f"no private tmpfs per run at detected level {isolation.level!r}")
    source = "import os\nfor i in range(12):\n    open(f'/tmp/f{i}', 'wb').write(b'd' * (4 << 20))\n"
    reply = grade(plugin, box, "python", source, tests=SUM_TESTS[:1])
    [entry] = reply["results"]
    assert entry["status"] == "disk_limit" and entry["message"].startswith("Disk limit exceeded")
    assert "disk_limit" in STATUSES


def test_excerpts_are_bounded_per_stream_and_per_reply(box):
    plugin = load_plugin("testcases", excerpt_chars=100, excerpt_budget=250)
    source = "import sys\nprint('o' * 300)\nprint('e' * 300, file=sys.stderr)\n"
    tests = [{"stdin": "", "expected_stdout": "x", "name": str(n)} for n in range(3)]
    reply = grade(plugin, box, "python", source, tests=tests)
    excerpts = [(len(entry["stdout"]), len(entry["stderr"])) for entry in reply["results"]]
    assert excerpts == [(100, 100), (50, 0), (0, 0)]  # 100 each, then what the budget of 250 leaves
    assert all(entry["truncated"] for entry in reply["results"])
    # the HTML message is not bound by them (it cuts at 1000 characters of its own)
    assert reply["msg"].count("o" * 300) == 3


@pytest.mark.parametrize("language", ["c", "java"])
def test_a_compile_failure_is_data_too(plugin, box, language):
    reply = grade(plugin, box, language, BROKEN[language])
    assert reply["compile_failed"] is True and reply["results"] == []
    assert "error" in reply["compile_output"]


def test_compiler_warnings_come_with_the_results(plugin, box):
    reply = grade(plugin, box, "c", '#warning "look here"\n' + SUM["c"])
    assert reply["compile_failed"] is False and "look here" in reply["compile_output"]
    assert [entry["status"] for entry in reply["results"]] == ["passed", "passed"]


def test_the_reply_round_trips_as_json_with_every_status_a_known_one(plugin, box):
    reply = grade(plugin, box, "python", PRODUCT["python"])
    decoded = json.loads(json.dumps(reply))
    assert decoded == reply and {entry["status"] for entry in decoded["results"]} <= set(STATUSES)
