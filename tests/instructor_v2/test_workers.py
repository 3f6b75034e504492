"""
Both worker paths end to end, on a course of 2,000 learners: django-tasks-db's ``db_worker`` and a real
Celery worker on RabbitMQ run the bulk tasks in separate processes, while the test polls the status
endpoint and sees progress move.
"""

import socket
import uuid

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from submissions.instructor_v2.models import AttemptReset, GradingTask
from submissions.models import ExternalGraderDetail
from tests.instructor_v2.conftest import BASE, PROBLEM
from tests.instructor_v2.workers import (
    make_course,
    poll_until_finished,
    python,
    start_worker,
    stop_worker,
    worker_database_name,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LEARNERS = 2000
BROKER = "amqp://guest:guest@127.0.0.1:5672//"


@pytest.fixture
def instructor(user_factory):
    user = user_factory(username="prof", is_staff=True)
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def course():
    if worker_database_name() is None:
        pytest.skip("in-memory SQLite cannot be shared with a worker process (set SUBMISSIONS_TEST_SQLITE_FILE)")
    make_course(LEARNERS)


def assert_progress_moved(statuses):
    final = statuses[-1]
    assert final["state"] == "completed", final
    assert final["progress"] == {"current": LEARNERS, "total": LEARNERS}
    currents = [status["progress"]["current"] for status in statuses]
    assert currents == sorted(currents), "progress never goes back"
    intermediate = {
        c for status, c in zip(statuses, currents, strict=True) if status["state"] == "running" and 0 < c < LEARNERS
    }
    assert len(intermediate) >= 2, f"progress seen only at {sorted(set(currents))}"
    assert any(status["state"] == "running" and status["progress"]["total"] == LEARNERS for status in statuses)


def test_db_worker_runs_bulk_reset_and_rescore(course, instructor, tmp_path):
    queue = f"instr-{uuid.uuid4().hex[:10]}"
    with override_settings(SUBMISSIONS={"TASK_BACKEND": "db", "TASK_QUEUE": queue}):
        reset = instructor.post(f"{BASE}/{PROBLEM}/grading/attempts/reset")
        rescore = instructor.post(f"{BASE}/{PROBLEM}/grading/scores/rescore", {"only_if_higher": "true"})
    assert reset.status_code == rescore.status_code == 202
    assert GradingTask.objects.get(pk=reset.json()["task_id"]).state == "pending"  # queued, not run in-process
    worker = start_worker(
        [
            python(),
            "-m",
            "django",
            "db_worker",
            "--backend",
            "db",
            "--queue-name",
            queue,
            "--interval",
            "0.05",
            "--no-startup-delay",
            "--no-reload",
            "--max-tasks",
            "2",
        ],
        tmp_path,
    )
    try:
        reset_statuses = poll_until_finished(instructor, reset.json()["status_url"])
        rescore_statuses = poll_until_finished(instructor, rescore.json()["status_url"])
        worker.wait(timeout=60)
    finally:
        log = stop_worker(worker)
    assert worker.returncode == 0, log
    assert_progress_moved(reset_statuses)
    assert_progress_moved(rescore_statuses)
    assert reset_statuses[-1]["result"]["message"] == f"Reset attempts for {LEARNERS} learners (0 skipped, 0 failed)"
    assert rescore_statuses[-1]["result"]["message"] == f"Rescored for {LEARNERS} learners (0 skipped, 0 failed)"
    assert AttemptReset.objects.count() == LEARNERS
    assert ExternalGraderDetail.objects.filter(only_if_higher=True).count() == LEARNERS


def _rabbitmq_up():
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture
def celery_queue():
    if not _rabbitmq_up():
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672")
    name = f"instr-{uuid.uuid4().hex[:10]}"
    yield name
    from kombu import Connection

    with Connection(BROKER) as conn:
        conn.default_channel.queue_delete(name)


def test_celery_worker_runs_bulk_rescore(course, instructor, celery_queue, tmp_path):
    tasks = {
        **settings.TASKS,
        "celery": {
            "BACKEND": "submissions.instructor_v2.celery_backend.CeleryBackend",
            "QUEUES": [celery_queue],
            "OPTIONS": {"BROKER_URL": BROKER},
        },
    }
    worker = start_worker(
        [
            python(),
            "-m",
            "celery",
            "-A",
            "tests.instructor_v2.celery_app",
            "worker",
            "-Q",
            celery_queue,
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        tmp_path,
        extra_env={"INSTRUCTOR_CELERY_BROKER": BROKER},
    )
    try:
        with override_settings(TASKS=tasks, SUBMISSIONS={"TASK_BACKEND": "celery", "TASK_QUEUE": celery_queue}):
            response = instructor.post(f"{BASE}/{PROBLEM}/grading/scores/rescore?only_if_higher=1")
        assert response.status_code == 202, response.content
        task = GradingTask.objects.get(pk=response.json()["task_id"])
        assert task.backend_task_id  # the id of the Celery message
        statuses = poll_until_finished(instructor, response.json()["status_url"])
    finally:
        log = stop_worker(worker)
    assert_progress_moved(statuses), log
    assert "submissions.instructor_v2.execute_task" in log
    assert ExternalGraderDetail.objects.filter(only_if_higher=True).count() == LEARNERS
