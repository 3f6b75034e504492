"""
Learner-facing messages are translatable, as Open edX apps' are (issue 15): the server's (the failure notice,
file and answer errors) through Django's gettext in the active language, the reference grader's feedback through
the standard library's gettext on the same catalogue. A test catalogue (a made-up translation into Esperanto,
``eo``, the language Open edX's tools use for test translations) is compiled with ``msgfmt``; the English
source catalogue must match what ``makemessages`` extracts today.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import translation

import submissions
from submissions import api, signals
from submissions.conf import DEFAULTS, app_settings
from submissions.errors import SubmissionRequestError
from submissions.external_grader import queue
from submissions.external_grader.grader import report
from submissions.external_grader.grader.limits import VERDICT_MESSAGES, Verdict
from submissions.external_grader.grader.sandbox import RunResult
from tests.external_grader.helpers import create, student_item

PACKAGE = Path(submissions.__file__).resolve().parent
CATALOGUE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
NOTICE = str(DEFAULTS["FAILURE_MESSAGE"])
#: Holds tests/ (the settings makemessages runs with); the package may be installed elsewhere (the dist env).
ROOT = str(Path(__file__).resolve().parent.parent)

pytestmark = pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs GNU gettext (apt-get install gettext)")


def _quote(text):
    return json.dumps(text, ensure_ascii=False)


@pytest.fixture
def esperanto(tmp_path):
    """A compiled ``eo`` catalogue in a LOCALE_PATHS-style directory: {English: translation} in, the directory out."""

    def compile_catalogue(messages):
        folder = tmp_path / "locale" / "eo" / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        entries = ['msgid ""', 'msgstr "Content-Type: text/plain; charset=UTF-8\\n"', ""]
        for source, target in messages.items():
            entries += [f"msgid {_quote(source)}", f"msgstr {_quote(target)}", ""]
        (folder / "django.po").write_text("\n".join(entries), encoding="utf-8")
        subprocess.run(["msgfmt", "-o", str(folder / "django.mo"), str(folder / "django.po")], check=True)
        return str(tmp_path / "locale")

    return compile_catalogue


@pytest.mark.django_db(transaction=True)
def test_the_failure_notice_is_sent_in_the_active_language(esperanto):
    locale = esperanto({NOTICE: "<div class='capa_alert'>Via sendaĵo ne povis esti taksita.</div>"})
    received = []

    def on_score(sender, score, **kwargs):
        received.append(json.loads(score.score_msg)["msg"])

    signals.external_grader_score_submitted.connect(on_score, dispatch_uid="test-translations")
    try:
        with override_settings(LOCALE_PATHS=[locale]), translation.override("eo"):
            queue.fail(create().pk)
        queue.fail(create(item=student_item(student_id="someone-else")).pk)  # English outside the override
    finally:
        signals.external_grader_score_submitted.disconnect(dispatch_uid="test-translations")
    assert received == ["<div class='capa_alert'>Via sendaĵo ne povis esti taksita.</div>", NOTICE]


@pytest.mark.django_db
def test_a_hosts_own_failure_message_is_used_as_it_is(esperanto):
    locale = esperanto({NOTICE: "tradukita"})
    own = {"FAILURE_MESSAGE": "<p>Ask the TA.</p>"}
    with override_settings(LOCALE_PATHS=[locale], SUBMISSIONS=own), translation.override("eo"):
        assert app_settings.FAILURE_MESSAGE == "<p>Ask the TA.</p>"
        with override_settings(SUBMISSIONS={}):
            assert app_settings.FAILURE_MESSAGE == "tradukita"


@pytest.mark.django_db
def test_answer_and_file_errors_are_translated(esperanto, make_student_item):
    locale = esperanto(
        {
            "An answer is required": "Respondo estas bezonata",
            "The file %(name)r is larger than %(limit)d bytes.": "La dosiero %(name)r superas %(limit)d bajtojn.",
        }
    )
    with override_settings(LOCALE_PATHS=[locale], SUBMISSIONS={"FILE_MAX_BYTES": 3}), translation.override("eo"):
        with pytest.raises(SubmissionRequestError) as answer:
            api.create_submission(make_student_item(), None)
        with pytest.raises(SubmissionRequestError) as files:
            create(files={"main.py": b"print(1)"})
    assert answer.value.msg == "Respondo estas bezonata"
    assert files.value.msg == "La dosiero 'main.py' superas 3 bajtojn."


def run_result(verdict):
    return RunResult(
        verdict=verdict,
        returncode=None,
        signal=None,
        stdout=b"",
        stderr=b"",
        stdout_truncated=False,
        stderr_truncated=False,
        wall_time=0.0,
        cpu_time=0.0,
    )


def test_the_graders_feedback_in_its_language(esperanto, monkeypatch):
    locale = esperanto(
        {
            VERDICT_MESSAGES[Verdict.CPU_LIMIT]: "Tempolimo superita.",
            "passed": "sukcesis",
            "%(passed)d of %(count)d tests passed; score %(earned)s / %(total)s (%(language)s).": (
                "%(passed)d el %(count)d testoj sukcesis; poentoj %(earned)s / %(total)s (%(language)s)."
            ),
        }
    )
    monkeypatch.setenv("GRADER_LANGUAGE", "eo")
    monkeypatch.setenv("GRADER_LOCALE_PATHS", locale)
    case = {"name": 1, "passed": True, "points": 1, "earned": 1, "expected": "3", "actual": "3", "hidden": False}
    html = report.render_report(language="python", earned=1, total=1, cases=[case])
    assert "1 el 1 testoj sukcesis; poentoj 1 / 1 (python)." in html
    assert "<td>sukcesis</td>" in html and "class='passed'" in html  # the CSS class stays English
    assert run_result(Verdict.CPU_LIMIT).message == "Tempolimo superita."
    monkeypatch.delenv("GRADER_LANGUAGE")
    monkeypatch.setenv("LANGUAGE", "en")
    assert run_result(Verdict.CPU_LIMIT).message == VERDICT_MESSAGES[Verdict.CPU_LIMIT]


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (apt-get install gettext)")
def test_the_english_catalogue_is_up_to_date(tmp_path):
    """``makemessages`` on the package finds exactly the messages of the committed English catalogue."""
    copy = tmp_path / "submissions"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    (copy / "locale" / "en" / "LC_MESSAGES" / "django.po").unlink()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        # PYTHONSAFEPATH: the working directory is the package's copy, whose types.py must not shadow the
        # standard library's types module (python -m would put it first on sys.path).
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "tests.projects.core_settings",
            "PYTHONPATH": ROOT,
            "PYTHONSAFEPATH": "1",
        },
    )

    def messages(path):
        return [line for line in path.read_text().splitlines() if not line.startswith('"POT-Creation-Date:')]

    fresh = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert messages(fresh) == messages(CATALOGUE), "run: cd submissions && django-admin makemessages -l en ..."
