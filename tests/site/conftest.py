"""
Fixtures of the site's tests: people (a class owner, another teacher, an enrolled student, another
student), a class with a published assignment, JWT API clients, grading through the library's queue
services (what the grader's HTTP calls do, for tests that need a grade but not a sandbox), and the real
reference grader processes against a live server.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.external_grader.grader.conftest import TEST_SLOT_UID_BASE

ROOT = Path(__file__).resolve().parents[2]
GRADER_PLUGIN = "testcases"  # the library's plugin: its reply has each case's result

PYTHON_SUM = "input()\nprint(sum(map(int, input().split())))\n"
PYTHON_POSITIVE_ONLY = "input()\nprint(sum(x for x in map(int, input().split()) if x > 0))\n"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def make_user(db):
    from users.models import User

    def make(username, role="student", password="pw-for-tests-1", superuser=False):
        return User.objects.create_user(
            username, f"{username}@example.com", password, role=role, is_superuser=superuser, is_staff=superuser
        )

    return make


@pytest.fixture
def people(make_user):
    return {
        "owner": make_user("owner", "teacher"),
        "other_teacher": make_user("other_teacher", "teacher"),
        "student": make_user("student"),
        "other_student": make_user("other_student"),
    }


def token_client(user=None):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def clients(people):
    """JWT clients per actor, plus ``anonymous``."""
    return {"anonymous": token_client(), **{name: token_client(user) for name, user in people.items()}}


def assignment_body(class_id, **overrides):
    body = {
        "class_id": class_id,
        "title": "Week 1",
        "description": "Warm-up",
        "due_at": None,
        "questions": [
            {
                "title": "Sum",
                "prompt": "Sum the numbers.",
                "language": "python",
                "points": 10,
                "test_cases": [
                    {"input": "3\n1 2 3\n", "expected_output": "6\n"},
                    {"input": "1\n5\n", "expected_output": "5\n"},
                    {"input": "2\n-4 1\n", "expected_output": "-3\n", "hidden": True},
                ],
            }
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def course(people):
    """A class of ``owner`` with ``student`` enrolled and a published one-question (python) assignment."""
    from assignments import services as assignments
    from assignments.serializers import AssignmentInSerializer
    from classes import services as classes

    klass = classes.create_class(people["owner"], "CS101", "Programming")
    classes.join(klass, people["student"], klass.join_code)
    data = AssignmentInSerializer(data=assignment_body(klass.pk))
    data.is_valid(raise_exception=True)
    assignment = assignments.publish(assignments.create_assignment(people["owner"], data.validated_data))
    question = assignment.questions.get()
    return {"class": klass, "assignment": assignment, "question": question}


def _as_grader(queue_name, reply_for, on_commit):
    """Pull one item of ``queue_name`` and answer it with ``reply_for(detail)``, as a grader would."""
    from submissions.external_grader import queue

    with on_commit(execute=True):
        detail = queue.pull(queue_name)
    assert detail is not None, f"nothing to grade on {queue_name}"
    with on_commit(execute=True):
        queue.put_result(detail.submission_id, detail.pullkey, json.dumps(reply_for(detail)))
    return detail


@pytest.fixture
def grade_in_queue(django_capture_on_commit_callbacks):
    """``grade_in_queue(passed=[True, True, False])``: answer the oldest queued item as ``testcases`` would."""

    def grade(passed=(True, True, False), queue_name=None):
        def reply(detail):
            payload = json.loads(detail.grader_payload)
            results = [
                {
                    "name": test["name"],
                    "hidden": test["hidden"],
                    "points": test["points"],
                    "passed": ok,
                    "status": "passed" if ok else "wrong_answer",
                    "message": "Passed." if ok else "Wrong answer.",
                    "stdout": "out\n",
                    "stderr": "",
                    "truncated": False,
                    "time_ms": 12,
                    "earned": test["points"] if ok else 0.0,
                }
                for test, ok in zip(payload["tests"], passed, strict=False)
            ]
            earned = sum(r["earned"] for r in results)
            total = sum(t["points"] for t in payload["tests"])
            return {
                "correct": all(passed),
                "score": earned / total,
                "msg": "<p>graded</p>",
                "results": results,
                "compile_output": None,
                "compile_failed": False,
            }

        return _as_grader(queue_name or settings.GRADING_QUEUE, reply, django_capture_on_commit_callbacks)

    return grade


@pytest.fixture
def graded_submission(course, people, grade_in_queue):
    """The enrolled student's submission, graded by the autograder (2 of 3 cases: 7/10)."""
    from coursework import services

    submission = services.submit(people["student"], course["question"], PYTHON_POSITIVE_ONLY)
    grade_in_queue()
    submission.refresh_from_db()
    return submission


class Graders:
    """The reference grader, one process per queue, as ``make demo`` runs it."""

    def __init__(self, base_url, password, tmp_path):
        self.procs = []
        env = {
            **os.environ,
            "GRADER_PASSWORD": password,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),  # nothing of the site
        }
        # each grader process its own slot UIDs, apart from a running demo's and other test processes'
        for slot_uid_base, queue_name in zip(
            (TEST_SLOT_UID_BASE, TEST_SLOT_UID_BASE + 16), (settings.GRADING_QUEUE, settings.RUN_QUEUE), strict=True
        ):
            log = open(tmp_path / f"grader-{queue_name}.log", "w")  # noqa: SIM115 - closed in stop()
            argv = [
                sys.executable,
                "-m",
                "submissions.external_grader.grader",
                *("--server", base_url, "--queue", queue_name, "--username", "grader", "--plugin", GRADER_PLUGIN),
                *("--workers", "2", "--poll-interval", "0.1", "--max-poll-interval", "0.5", "--log-format", "text"),
                *("--slot-uid-base", str(slot_uid_base)),
            ]
            self.procs.append((subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT), log))

    def stop(self):
        for proc, _ in self.procs:
            proc.terminate()
        for proc, log in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


@pytest.fixture
def reference_graders(live_server, transactional_db, tmp_path):
    """The grader account and two running reference graders (grading and runs queues) on ``live_server``."""
    from django.contrib.auth.models import Group
    from users.models import User

    from submissions.external_grader.grader.probe import probe
    from submissions.external_grader.hashers import set_grader_password

    if probe().level == "none":
        pytest.skip("no sandbox here (isolation level 'none'): learner code is not run")
    grader = User.objects.create_user("grader", role="teacher")
    grader.groups.add(Group.objects.get_or_create(name="xqueue")[0])
    set_grader_password(grader, "grader-password-for-tests")
    graders = Graders(live_server.url, "grader-password-for-tests", tmp_path)
    yield live_server
    graders.stop()


def wait_for(predicate, timeout=120, interval=0.2):
    """Poll ``predicate`` until it returns a truthy value (returned) or ``timeout`` seconds pass (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None
