"""
The tutorial (``docs/tutorial.rst``), command by command, as a newcomer runs it: a copy of its project
(``tests/projects/tutorial``) is migrated, checked, given a grader account and a submission, served by
``runserver``, graded by the reference grader over HTTP, and the score read back, each step a separate process
with the commands the page shows. It needs no extra and no server database, and is slow for a test (about
20 s: six Django processes and a grader), so it runs once per ``tox`` run, in the ``base`` env (no extras),
which sets ``SUBMISSIONS_TUTORIAL_TEST=1``.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("SUBMISSIONS_TUTORIAL_TEST") != "1",
        reason="set SUBMISSIONS_TUTORIAL_TEST=1 (tox -e base) to run the tutorial's commands",
    ),
]

TUTORIAL = Path(__file__).parent / "projects" / "tutorial"
#: Slot UIDs of this test's grader workers: away from other grader tests and from a running grader.
SLOT_UID_BASE = 63000 + (os.getpid() % 100) * 8


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "mysite"
    shutil.copytree(TUTORIAL, root)
    return root


def newcomer_env(**extra):
    """The environment of a shell in the project: none of the test run's Django settings or import paths."""
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def manage(project, *args, stdin=None):
    """``python manage.py ARGS`` in the project; the completed process (failing the test on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=newcomer_env(),
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_served(url, server, deadline=60):
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        assert server.poll() is None, server.communicate()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {deadline}s")


def test_the_tutorial_reaches_a_graded_submission(project):
    manage(project, "migrate")
    check = manage(project, "check")
    assert "System check identified no issues" in check.stdout, check.stdout + check.stderr
    secret = manage(project, "create_grader", "grader").stdout.strip()
    assert len(secret) >= 40
    queued = manage(project, "shell", stdin=(project / "submit.py").read_text())
    assert "queued submission" in queued.stdout

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=newcomer_env(),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_until_served(f"{base}/xqueue/status/", server) == 200
        grader = subprocess.run(
            [
                sys.executable,
                "-m",
                "submissions.external_grader.grader",
                "--server",
                base,
                "--queue",
                "python",
                "--username",
                "grader",
                "--workers",
                "1",
                "--exit-when-empty",
                "--slot-uid-base",
                str(SLOT_UID_BASE),
                "--allow-insecure",
            ],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=180,
            env=newcomer_env(GRADER_PASSWORD=secret),
        )
        assert grader.returncode == 0, grader.stderr
    finally:
        server.terminate()
        served, _ = server.communicate(timeout=30)

    assert "graded: alice on sum: 2/2" in served, served
    assert " 500 " not in served, served
    score = manage(project, "shell", stdin=(project / "show_score.py").read_text())
    assert "score 2 / 2" in score.stdout
