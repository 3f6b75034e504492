"""
The site's grading plugin for the reference grader: the library's ``testcases`` plugin, plus each case's
result as data.

The reply keeps the library's ``correct``, ``score`` and ``msg`` (the HTML table) and adds
``results`` — one ``{name, passed, status, message, stdout, stderr, time_ms, hidden}`` per test case, in
order — and ``compile_output``, which the site shows as a table of its own and (for hidden cases) filters
for students. Nothing is graded twice: the plugin watches the sandbox runs that the library's plugin makes
(one compile step for compiled languages, then one run per case) and reads each case's outcome from them.

This module runs inside the grader process: it imports the grader package only, never Django. Start the
grader with ``--plugin coursework.grader_plugin.SiteTestCasesPlugin`` and this folder on ``PYTHONPATH``.
"""

from submissions.external_grader.grader.testcases import PayloadError, TestCasesPlugin, outputs_match, parse_payload

#: Characters of a case's stdout/stderr kept in the reply (the grader's HTML message cuts at 1000).
OUTPUT_CHARS = 8192


class _WatchedSandbox:
    """Passes every call to the worker's sandbox and keeps each run's kind and result."""

    def __init__(self, sandbox):
        self._sandbox = sandbox
        self.compiles, self.cases = [], []

    def __getattr__(self, name):
        return getattr(self._sandbox, name)

    def run(self, argv, **kwargs):
        result = self._sandbox.run(argv, **kwargs)
        (self.compiles if kwargs.get("app_writable") else self.cases).append(result)
        return result


def _text(data):
    text = data.decode("utf-8", "replace")
    return text if len(text) <= OUTPUT_CHARS else text[:OUTPUT_CHARS] + "\n… (cut)"


def case_result(case, run):
    """One case's result: ``run`` is its sandbox result, or None when the case was not run."""
    base = {"name": case["name"], "hidden": case["hidden"], "points": case["points"]}
    if run is None:
        return {**base, "passed": False, "status": "not_run", "message": "Not run.", "stdout": "", "stderr": "",
                "time_ms": None}  # fmt: skip
    stdout = run.stdout.decode("utf-8", "replace")
    passed = run.ok and outputs_match(case["expected_stdout"], stdout, case["compare"], case["tolerance"])
    if passed:
        status, message = "passed", "Passed."
    elif run.ok:
        status, message = "wrong_answer", "Wrong answer."
    else:
        status, message = str(run.verdict), run.message
    return {
        **base,
        "passed": passed,
        "status": status,
        "message": message,
        "stdout": _text(run.stdout),
        "stderr": _text(run.stderr),
        "time_ms": round(run.wall_time * 1000),
    }


class SiteTestCasesPlugin(TestCasesPlugin):
    """``testcases`` with per-case results in the reply (same options as the library's plugin)."""

    def grade(self, request, sandbox):
        watched = _WatchedSandbox(sandbox)
        reply = super().grade(request, watched)
        try:
            _language, cases, _limits = parse_payload(request.grader_payload)
        except PayloadError:
            return {**reply, "results": [], "compile_output": None}
        compile_output = None
        if watched.compiles:
            build = watched.compiles[0]
            compile_output = _text(build.stderr + build.stdout).strip() or None
            if not build.ok:
                return {**reply, "results": [], "compile_output": compile_output or build.message}
        runs = watched.cases + [None] * (len(cases) - len(watched.cases))
        results = [case_result(case, run) for case, run in zip(cases, runs, strict=False)]
        return {**reply, "results": results, "compile_output": compile_output}
