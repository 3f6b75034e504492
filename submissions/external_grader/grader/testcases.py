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
"score": earned / total points, "msg": HTML table}`` and the same outcome as data for the host::

    "results": [{"name", "hidden", "points", "earned", "passed", "status", "message",
                 "stdout", "stderr", "truncated", "time_ms"}, ...],   # one per test case, in order
    "compile_output": compiler messages or null, "compile_failed": bool

``status`` is ``passed``, ``wrong_answer``, ``not_run`` or the run's verdict (``runtime_error``, ``cpu_limit``,
``wall_limit``, ``memory_limit``, ``output_limit``, ``disk_limit``, ``signaled``, ``sandbox_error``). The
excerpts of stdout and stderr are bounded (:data:`EXCERPT_CHARS` each, :data:`EXCERPT_BUDGET` for the whole
reply). A hidden case's result carries its output too, marked ``"hidden": true``: the host decides who sees
it (a learner must not: a program can print its hidden input).
"""

import logging
import math
import shutil

from submissions import bounded_json

from .i18n import gettext as _
from .languages import COMPILE_LIMITS, LANGUAGES, get_language
from .limits import Limits, MiB, Verdict
from .plugins import GradingPlugin, make_reply
from .report import COMPILER_CHARS, render_report

__all__ = [
    "TestCasesPlugin",
    "PayloadError",
    "outputs_match",
    "parse_payload",
    "EXCERPT_CHARS",
    "EXCERPT_BUDGET",
    "STATUSES",
]

logger = logging.getLogger(__name__)

COMPARE_MODES = ("exact", "whitespace", "float")
#: Characters of one case's stdout (and of its stderr) kept in ``results`` (plugin option ``excerpt_chars``).
EXCERPT_CHARS = 4096
#: Characters of every excerpt of one reply together (plugin option ``excerpt_budget``): cases after the budget
#: is spent get empty excerpts (``truncated``), so a reply stays well under a server's request size limit.
EXCERPT_BUDGET = 65536
#: The ``status`` of a case in ``results``: its own outcomes, then the run verdicts other than ``ok``.
STATUSES = ("passed", "wrong_answer", "not_run", *(str(verdict) for verdict in Verdict if verdict != Verdict.OK))


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
        payload = bounded_json.loads(text) if isinstance(text, str) else text
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
        except (TypeError, ValueError, OverflowError) as exc:
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


class _Excerpts:
    """Cuts outputs for ``results``: each to ``per_stream`` characters, all of one reply to ``budget``."""

    def __init__(self, per_stream, budget):
        self.per_stream, self.left = per_stream, budget

    def take(self, text):
        """``(excerpt, cut)``."""
        limit = min(self.per_stream, self.left)
        excerpt = text[:limit]
        self.left -= len(excerpt)
        return excerpt, len(text) > limit


class TestCasesPlugin(GradingPlugin):
    """Options: ``max_cpu_seconds`` (10), ``max_memory_mb`` (1024), ``max_timeouts`` (2): after that many
    time-limit verdicts the remaining cases are not run (each would wait for the limit too);
    ``excerpt_chars`` and ``excerpt_budget``: the bounds of the outputs in ``results``."""

    __test__ = False  # not a pytest class

    def __init__(self, **options):
        super().__init__(**options)
        self.max_cpu = float(options.get("max_cpu_seconds", 10))
        self.max_memory = int(float(options.get("max_memory_mb", 1024)) * MiB)
        self.max_timeouts = int(options.get("max_timeouts", 2))
        self.excerpt_chars = int(options.get("excerpt_chars", EXCERPT_CHARS))
        self.excerpt_budget = int(options.get("excerpt_budget", EXCERPT_BUDGET))

    def _limits(self, language, requested):
        try:
            cpu = min(self.max_cpu, float(requested.get("cpu_seconds", 2)))
            wall = float(requested.get("wall_seconds", max(6.0, 3 * cpu)))
            memory = requested.get("memory_mb")
            memory = min(self.max_memory, int(float(memory) * MiB)) if memory else None
        except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: int(inf), e.g. memory_mb 1e308
            raise PayloadError(f"invalid limits: {exc}") from exc
        wall = min(max(wall, cpu + 1), 3 * self.max_cpu)
        return language.run_limits(Limits(cpu_seconds=cpu, wall_seconds=wall), memory)

    def grade(self, request, sandbox):
        try:
            language, cases, requested = parse_payload(request.grader_payload)
            limits = self._limits(language, requested)
        except PayloadError as exc:
            logger.error("unusable grader payload for submission %s: %s", request.submission_id, exc)
            return _reply(
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
            return _reply(
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
                compile_output = compile_output or _("(no compiler output)")
                msg = render_report(
                    language=language.name,
                    earned=0,
                    total=total,
                    cases=[],
                    compile_output=compile_output,
                    compile_failed=True,
                )
                return _reply(False, 0, msg, compile_output=compile_output, compile_failed=True)
        run_argv = language.run_argv(source, limits.memory_bytes)
        rows, results, earned, timeouts = [], [], 0.0, 0
        excerpts = _Excerpts(self.excerpt_chars, self.excerpt_budget)
        for case in cases:
            if timeouts >= self.max_timeouts:
                note = _("Not run: earlier tests exceeded the time limit.")
                rows.append(_row(case, False, "", note, ""))
                results.append(_result(case, "not_run", note, excerpts))
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
            note, status = ("", "passed") if passed else (result.message, str(result.verdict))
            if result.ok and not passed:
                note, status = _("Wrong answer."), "wrong_answer"
            stderr = _text(result.stderr)
            row = _row(case, passed, actual, note, stderr)
            earned += row["earned"]
            rows.append(row)
            results.append(_result(case, status, note, excerpts, run=result, stdout=actual, stderr=stderr))
        all_passed = all(row["passed"] for row in rows)
        score = earned / total if total else (1.0 if all_passed else 0.0)
        msg = render_report(
            language=language.name, earned=earned, total=total, cases=rows, compile_output=compile_output
        )
        return _reply(all_passed, score, msg, results=results, compile_output=compile_output)


def _reply(correct, score, msg, *, results=(), compile_output=None, compile_failed=False):
    """Every reply of the plugin has the same members (``results`` empty when no case could run)."""
    if compile_output is not None:
        compile_output = compile_output[:COMPILER_CHARS]
    return make_reply(
        correct, score, msg, results=list(results), compile_output=compile_output, compile_failed=compile_failed
    )


def _result(case, status, message, excerpts, *, run=None, stdout="", stderr=""):
    """One case's entry in ``results``: ``run`` is its sandbox result (None: not run), with its decoded outputs."""
    passed = status == "passed"
    entry = {
        "name": case["name"],
        "hidden": case["hidden"],
        "points": case["points"],
        "earned": case["points"] if passed else 0.0,
        "passed": passed,
        "status": status,
        "message": message,
        "stdout": "",
        "stderr": "",
        "truncated": False,
        "time_ms": None,
    }
    if run is not None:
        entry["stdout"], stdout_cut = excerpts.take(stdout)
        entry["stderr"], stderr_cut = excerpts.take(stderr)
        entry["truncated"] = stdout_cut or stderr_cut or run.stdout_truncated or run.stderr_truncated
        entry["time_ms"] = round(run.wall_time * 1000)
    return entry


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
