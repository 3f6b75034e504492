"""HTML message of the test-cases plugin: one row per case, compiler errors, every value escaped."""

import html

__all__ = ["render_report", "truncate"]

#: Characters of expected/actual output shown per case.
SHOW_CHARS = 1000
#: Characters of compiler output shown.
COMPILER_CHARS = 4000


def truncate(text, limit=SHOW_CHARS):
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit} more characters)"


def _pre(text, limit=SHOW_CHARS):
    return f"<pre>{html.escape(truncate(text, limit))}</pre>"


def render_report(*, language, earned, total, cases, compile_output=None, compile_failed=False, notice=None):
    """
    Build the HTML message.

    ``cases`` is a list of dicts: ``name, passed, points, earned, expected, actual, verdict_message,
    stderr, hidden``.
    """
    parts = ["<div class='grader-result'>"]
    passed = sum(1 for case in cases if case["passed"])
    if notice:
        parts.append(f"<p class='grader-notice'>{html.escape(notice)}</p>")
    if compile_failed:
        parts.append(f"<p><strong>Compilation failed</strong> ({html.escape(language)}). No test was run.</p>")
    else:
        parts.append(
            f"<p>{passed} of {len(cases)} tests passed; score {earned:g} / {total:g} ({html.escape(language)}).</p>"
        )
    if compile_output:
        title = "Compiler errors" if compile_failed else "Compiler messages"
        parts.append(f"<h4>{title}</h4>{_pre(compile_output, COMPILER_CHARS)}")
    if cases:
        parts.append(
            "<table class='grader-cases'><thead><tr><th>#</th><th>Result</th><th>Points</th>"
            "<th>Expected</th><th>Actual</th></tr></thead><tbody>"
        )
        for index, case in enumerate(cases, 1):
            status = "passed" if case["passed"] else "failed"
            note = ""
            if case.get("verdict_message"):
                note = f"<br><em>{html.escape(case['verdict_message'])}</em>"
            if case.get("hidden"):
                expected = actual = "<em>hidden</em>"
            else:
                expected = _pre(case["expected"])
                actual = _pre(case["actual"])
                if case.get("stderr") and not case["passed"]:
                    actual += "<div>stderr:</div>" + _pre(case["stderr"])
            name = html.escape(str(case.get("name") or index))
            parts.append(
                f"<tr class='{status}'><td>{name}</td><td>{status}{note}</td>"
                f"<td>{case['earned']:g} / {case['points']:g}</td><td>{expected}</td><td>{actual}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</div>")
    return "".join(parts)
