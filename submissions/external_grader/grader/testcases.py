"""
The built-in ``testcases`` plugin: compile once, run every stdin/stdout test case in a fresh sandbox.

Grader payload (a JSON string, the problem author's ``grader_payload``)::

    {
      "language": "python" | "javascript" | "java" | "c" | "cpp",
      "tests": [
        {"stdin": "1 2\\n", "expected_stdout": "3\\n", "points": 1,
         "compare": "exact" | "whitespace" | "float", "tolerance": 1e-6, "name": "small", "hidden": false}
      ],
      "limits": {"cpu_seconds": 2, "wall_seconds": 6, "memory_mb": 256}
    }

``test_cases`` is accepted as a synonym of ``tests``. The reply is ``{"correct": all passed,
"score": earned / total points, "msg": HTML table}``.
"""

import json
import logging
import math
import shutil

from .i18n import gettext as _
from .languages import COMPILE_LIMITS, LANGUAGES, get_language
from .limits import Limits, MiB, Verdict
from .plugins import GradingPlugin, make_reply
from .report import render_report

__all__ = ["TestCasesPlugin", "PayloadError", "outputs_match", "parse_payload"]

logger = logging.getLogger(__name__)

COMPARE_MODES = ("exact", "whitespace", "float")


class PayloadError(ValueError):
    """The problem's grader payload is not usable (an authoring error, not the learner's)."""


def _normalise(text):
    text = text.replace("\r\n", "\n")
    return text[:-1] if text.endswith("\n") else text


def _float_equal(expected, actual, tolerance):
    try:
        a, b = float(expected), float(actual)
    except ValueError:
        return expected == actual
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def outputs_match(expected, actual, mode="exact", tolerance=1e-6):
    """
    Compare program output with the expected output.

    ``exact``: identical after turning CRLF into LF and ignoring one final newline. ``whitespace``: the same
    sequence of whitespace-separated tokens. ``float``: the same tokens, numbers equal within ``tolerance``
    (absolute or relative), other tokens identical.
    """
    if mode == "exact":
        return _normalise(expected) == _normalise(actual)
    expected_tokens, actual_tokens = expected.split(), actual.split()
    if mode == "whitespace":
        return expected_tokens == actual_tokens
    if mode == "float":
        return len(expected_tokens) == len(actual_tokens) and all(
            _float_equal(e, a, tolerance) for e, a in zip(expected_tokens, actual_tokens, strict=True)
        )
    raise PayloadError(f"unknown comparison mode {mode!r}")


def parse_payload(text):
    """Decode and validate the grader payload; raises :class:`PayloadError`."""
    try:
        payload = json.loads(text) if isinstance(text, str) else text
    except ValueError as exc:
        raise PayloadError(f"the grader payload is not JSON ({exc})") from exc
    if not isinstance(payload, dict):
        raise PayloadError("the grader payload must be a JSON object")
    language = get_language(payload.get("language"))
    if language is None:
        raise PayloadError(f"unsupported language {payload.get('language')!r} (use one of {', '.join(LANGUAGES)})")
    tests = payload.get("tests", payload.get("test_cases"))
    if not isinstance(tests, list) or not tests:
        raise PayloadError("the grader payload has no test cases ('tests')")
    cases = []
    for index, test in enumerate(tests, 1):
        if not isinstance(test, dict) or not isinstance(test.get("expected_stdout", ""), str):
            raise PayloadError(f"test {index} must be an object with string 'stdin' and 'expected_stdout'")
        mode = test.get("compare", "exact")
        if mode not in COMPARE_MODES:
            raise PayloadError(f"test {index}: unknown comparison mode {mode!r}")
        try:
            points = float(test.get("points", 1))
            tolerance = float(test.get("tolerance", 1e-6))
        except (TypeError, ValueError) as exc:
            raise PayloadError(f"test {index}: points and tolerance must be numbers") from exc
        if points < 0 or not math.isfinite(points):
            raise PayloadError(f"test {index}: points must be a non-negative number")
        cases.append(
            {
                "name": str(test.get("name") or index),
                "stdin": str(test.get("stdin", "")),
                "expected_stdout": test.get("expected_stdout", ""),
                "points": points,
                "compare": mode,
                "tolerance": tolerance,
                "hidden": bool(test.get("hidden", False)),
            }
        )
    limits = payload.get("limits") or {}
    if not isinstance(limits, dict):
        raise PayloadError("'limits' must be an object")
    return language, cases, limits


class TestCasesPlugin(GradingPlugin):
    """Options: ``max_cpu_seconds`` (10), ``max_memory_mb`` (1024), ``max_timeouts`` (2): after that many
    time-limit verdicts the remaining cases are not run (each would wait for the limit too)."""

    __test__ = False  # not a pytest class

    def __init__(self, **options):
        super().__init__(**options)
        self.max_cpu = float(options.get("max_cpu_seconds", 10))
        self.max_memory = int(float(options.get("max_memory_mb", 1024)) * MiB)
        self.max_timeouts = int(options.get("max_timeouts", 2))

    def _limits(self, language, requested):
        try:
            cpu = min(self.max_cpu, float(requested.get("cpu_seconds", 2)))
            wall = float(requested.get("wall_seconds", max(6.0, 3 * cpu)))
            memory = requested.get("memory_mb")
            memory = min(self.max_memory, int(float(memory) * MiB)) if memory else None
        except (TypeError, ValueError) as exc:
            raise PayloadError(f"invalid limits: {exc}") from exc
        wall = min(max(wall, cpu + 1), 3 * self.max_cpu)
        return language.run_limits(Limits(cpu_seconds=cpu, wall_seconds=wall), memory)

    def grade(self, request, sandbox):
        try:
            language, cases, requested = parse_payload(request.grader_payload)
            limits = self._limits(language, requested)
        except PayloadError as exc:
            logger.error("unusable grader payload for submission %s: %s", request.submission_id, exc)
            return make_reply(
                False,
                0,
                render_report(
                    language="?",
                    earned=0,
                    total=0,
                    cases=[],
                    notice=_("This problem cannot be graded: %(reason)s. Please tell the course staff.")
                    % {"reason": exc},
                ),
            )
        missing = language.missing_tools()
        if missing:
            logger.error("language %s unavailable: missing %s", language.name, ", ".join(missing))
            return make_reply(
                False,
                0,
                render_report(
                    language=language.name,
                    earned=0,
                    total=0,
                    cases=[],
                    notice=_("The grader cannot run %(language)s programs right now. Please tell the course staff.")
                    % {"language": language.name},
                ),
            )
        app = sandbox.new_dir("sub-")
        try:
            return self._grade_in(app, language, cases, limits, request, sandbox)
        finally:
            shutil.rmtree(app, ignore_errors=True)

    def _grade_in(self, app, language, cases, limits, request, sandbox):
        source = request.student_response
        with open(f"{app}/{language.source_file(source)}", "w", encoding="utf-8") as handle:
            handle.write(source)
        total = sum(case["points"] for case in cases)
        compile_output = None
        argv = language.compile_argv(source)
        if argv:
            result = sandbox.run(argv, app_dir=app, app_writable=True, limits=COMPILE_LIMITS, cwd="{app}")
            compile_output = _text(result.stderr + result.stdout).strip() or None
            if not result.ok:
                if result.verdict not in (Verdict.RUNTIME_ERROR, Verdict.OK):
                    compile_output = (compile_output or "") + "\n" + result.message
                return make_reply(
                    False,
                    0,
                    render_report(
                        language=language.name,
                        earned=0,
                        total=total,
                        cases=[],
                        compile_output=compile_output or _("(no compiler output)"),
                        compile_failed=True,
                    ),
                )
        run_argv = language.run_argv(source, limits.memory_bytes)
        rows, earned, timeouts = [], 0.0, 0
        for case in cases:
            if timeouts >= self.max_timeouts:
                rows.append(_row(case, False, "", _("Not run: earlier tests exceeded the time limit."), ""))
                continue
            work = sandbox.new_dir("run-")
            try:
                result = sandbox.run(run_argv, app_dir=app, work_dir=work, stdin=case["stdin"].encode(), limits=limits)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            actual = _text(result.stdout)
            passed = result.ok and outputs_match(case["expected_stdout"], actual, case["compare"], case["tolerance"])
            if result.verdict in (Verdict.CPU_LIMIT, Verdict.WALL_LIMIT):
                timeouts += 1
            note = "" if result.ok else result.message
            if result.ok and not passed:
                note = _("Wrong answer.")
            row = _row(case, passed, actual, note, _text(result.stderr))
            earned += row["earned"]
            rows.append(row)
        all_passed = all(row["passed"] for row in rows)
        score = earned / total if total else (1.0 if all_passed else 0.0)
        msg = render_report(
            language=language.name, earned=earned, total=total, cases=rows, compile_output=compile_output
        )
        return make_reply(all_passed, score, msg)


def _row(case, passed, actual, note, stderr):
    return {
        "name": case["name"],
        "passed": passed,
        "points": case["points"],
        "earned": case["points"] if passed else 0.0,
        "expected": case["expected_stdout"],
        "actual": actual,
        "verdict_message": note,
        "stderr": stderr,
        "hidden": case["hidden"],
    }


def _text(data):
    return data.decode("utf-8", "replace")
