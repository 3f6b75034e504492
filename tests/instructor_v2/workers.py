"""Helpers of the end-to-end worker tests: a course of many learners, worker subprocesses, polling."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from submissions.models import ExternalGraderDetail, StudentItem, Submission
from tests.instructor_v2.conftest import COURSE, PROBLEM

ROOT = Path(__file__).resolve().parents[2]


def make_course(learners):
    """``learners`` student items on PROBLEM, each with one submission and a pending grader row (setup only)."""
    items = StudentItem.objects.bulk_create(
        [
            StudentItem(student_id=f"learner-{n:05d}", course_id=COURSE, item_id=PROBLEM, item_type="problem")
            for n in range(learners)
        ],
        batch_size=500,
    )
    if not all(item.pk for item in items):  # backends that return no ids from bulk_create
        items = list(StudentItem.objects.filter(course_id=COURSE, item_id=PROBLEM).order_by("pk"))
    Submission.objects.bulk_create(
        [Submission(student_item=item, attempt_number=1, answer={"n": n}) for n, item in enumerate(items)],
        batch_size=500,
    )
    submissions = Submission.objects.filter(student_item__course_id=COURSE).values_list("pk", flat=True)
    ExternalGraderDetail.objects.bulk_create(
        [ExternalGraderDetail(submission_id=pk, queue_name="q1", points_possible=10) for pk in submissions],
        batch_size=500,
    )


def worker_database_name():
    """The database the running test uses, or None when a subprocess cannot reach it (in-memory SQLite)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name):
        return None
    return name


def start_worker(args, log_dir, *, batch_size=100, extra_env=None):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.instructor_v2.worker_settings",
        INSTRUCTOR_WORKER_DB_NAME=worker_database_name(),
        INSTRUCTOR_WORKER_BATCH_SIZE=str(batch_size),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        **(extra_env or {}),
    )
    log = open(Path(log_dir) / "worker.log", "wb")  # noqa: SIM115  (closed by stop_worker)
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = log
    return process


def stop_worker(process, timeout=30):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    process.log.close()
    return Path(process.log.name).read_text(errors="replace")


def poll_until_finished(client, status_url, *, timeout=240, interval=0.02):
    """GET the status URL until the task finishes; returns the list of statuses seen (bounded in time)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(status_url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen.append(body)
        if body["state"] in ("completed", "failed"):
            return seen
        time.sleep(interval)
    raise AssertionError(f"task not finished after {timeout}s; last status {seen[-1] if seen else None}")


def python():
    return sys.executable
