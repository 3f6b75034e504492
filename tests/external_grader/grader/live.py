"""What the tests against a live server share: the grader account, submissions, and the grader as a process."""

import contextlib
import json
import os
import subprocess
import sys
import time

from django.db import OperationalError

from submissions import api
from submissions.external_grader.models import ExternalGraderDetail

from .conftest import TEST_SLOT_UID_BASE
from .programs import SUM_TESTS

USERNAME = "livegrader"
PASSWORD = "grader-live-secret"
QUEUE = "live-grader-queue"


def submit(index, language, source, tests=SUM_TESTS, points=3, limits=None):
    item = {
        "student_id": f"learner-{index}",
        "course_id": "course-v1:Demo+CS1+2026",
        "item_id": f"problem-{language}",
        "item_type": "problem",
    }
    payload = {"language": language, "tests": tests}
    if limits:
        payload["limits"] = limits
    return api.create_external_grader_detail(
        item, source, QUEUE, f"lms-key-{index}", points_possible=points, grader_payload=json.dumps(payload)
    )


def status(detail):
    """The row's state now (the FSM field forbids refresh_from_db)."""
    for attempt in range(50):
        try:
            return ExternalGraderDetail.objects.get(pk=detail.pk).status
        except OperationalError as exc:
            # SQLite's shared in-memory test database locks a table while the live server writes to it
            if "locked" not in str(exc) or attempt == 49:
                raise
            time.sleep(0.02)
    return None


def start_grader(server, *options, password=PASSWORD, workers=1, slot=10, env=None, **popen):
    """The grader's command line in a subprocess (``python -m ...``), JSON logs on stderr."""
    argv = [
        sys.executable,
        "-m",
        "submissions.external_grader.grader",
        "--server",
        server,
        "--queue",
        QUEUE,
        "--username",
        USERNAME,
        "--workers",
        str(workers),
        "--poll-interval",
        "0.2",
        "--slot-uid-base",
        str(TEST_SLOT_UID_BASE + slot),
        *options,
    ]
    environment = {**os.environ, "GRADER_PASSWORD": password, **(env or {})}
    return subprocess.Popen(argv, env=environment, stderr=subprocess.PIPE, text=True, **popen)


@contextlib.contextmanager
def running(proc):
    """Kill ``proc`` on the way out if the test left it running (a failed wait, an assertion)."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def json_logs(stderr):
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
