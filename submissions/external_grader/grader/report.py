"""
HTML message of the test-cases plugin: one row per case, compiler errors, every value escaped, the words in
the grader's language (:mod:`.i18n`; the class names stay English, for the host's CSS).
"""

import html

from .i18n import gettext as _

__all__ = ["render_report", "truncate"]

#: Characters of expected/actual output shown per case.
SHOW_CHARS = 1000
#: Characters of compiler output shown.
COMPILER_CHARS = 4000


def truncate(text, limit=SHOW_CHARS):
    if len(text) <= limit:
        return text
    return text[:limit] + "\n… " + _("(%(count)d more characters)") % {"count": len(text) - limit}


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
    language = html.escape(language)
    if compile_failed:
        failed = _("<strong>Compilation failed</strong> (%(language)s). No test was run.") % {"language": language}
        parts.append(f"<p>{failed}</p>")
    else:
        summary = _("%(passed)d of %(count)d tests passed; score %(earned)s / %(total)s (%(language)s).")
        values = {"passed": passed, "count": len(cases), "earned": f"{earned:g}", "total": f"{total:g}"}
        values["language"] = language
        parts.append(f"<p>{summary % values}</p>")
    if compile_output:
        title = _("Compiler errors") if compile_failed else _("Compiler messages")
        parts.append(f"<h4>{html.escape(title)}</h4>{_pre(compile_output, COMPILER_CHARS)}")
    if cases:
        names = ("#", _("Result"), _("Points"), _("Expected"), _("Actual"))
        headings = "".join(f"<th>{html.escape(name)}</th>" for name in names)
        parts.append(f"<table class='grader-cases'><thead><tr>{headings}</tr></thead><tbody>")
        for index, case in enumerate(cases, 1):
            status = "passed" if case["passed"] else "failed"
            result = _("passed") if case["passed"] else _("failed")
            note = ""
            if case.get("verdict_message"):
                note = f"<br><em>{html.escape(case['verdict_message'])}</em>"
            if case.get("hidden"):
                hidden = _("hidden")
                expected = actual = f"<em>{html.escape(hidden)}</em>"
            else:
                expected = _pre(case["expected"])
                actual = _pre(case["actual"])
                if case.get("stderr") and not case["passed"]:
                    label = _("stderr:")
                    actual += f"<div>{html.escape(label)}</div>" + _pre(case["stderr"])
            name = html.escape(str(case.get("name") or index))
            parts.append(
                f"<tr class='{status}'><td>{name}</td><td>{html.escape(result)}{note}</td>"
                f"<td>{case['earned']:g} / {case['points']:g}</td><td>{expected}</td><td>{actual}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</div>")
    return "".join(parts)
