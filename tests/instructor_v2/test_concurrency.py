"""The one-active-task rule and task resumption under real concurrency (PostgreSQL, MariaDB)."""

import threading

import pytest
from django.db import connection, connections
from django.test import override_settings

from submissions.errors import TaskAlreadyRunningError
from submissions.instructor_v2 import services
from submissions.instructor_v2.keys import parse_course_key, parse_usage_key
from submissions.instructor_v2.models import AttemptReset, GradingTask
from tests.instructor_v2.conftest import COURSE, PROBLEM

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

THREADS = 8


@pytest.fixture(autouse=True)
def server_database_only():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: concurrency is tested on PostgreSQL and MariaDB")


def run_in_threads(target, count=THREADS):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(target())
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@override_settings(SUBMISSIONS={"TASK_RUNNER": "tests.instructor_v2.test_views.NoRunner"})
def test_concurrent_starts_create_exactly_one_active_task(user_factory, make_state):
    admin = user_factory(username="admin", is_staff=True)
    make_state(user_factory(username="alice"), submissions=1, grader=True)
    course = parse_course_key(COURSE)
    usage = parse_usage_key(PROBLEM, course)

    results, errors = run_in_threads(
        lambda: services.start_task(admin, course, usage, GradingTask.Operation.RESCORE).task_id
    )
    assert len(results) == 1, errors
    assert len(errors) == THREADS - 1
    assert all(isinstance(error, TaskAlreadyRunningError) and error.task_id == results[0] for error in errors)
    assert GradingTask.objects.count() == 1


@override_settings(SUBMISSIONS={"TASK_RUNNER": "tests.instructor_v2.test_views.NoRunner", "TASK_BATCH_SIZE": 3})
def test_concurrent_workers_on_one_task_process_each_learner_once(user_factory, make_state):
    admin = user_factory(username="admin", is_staff=True)
    for n in range(20):
        make_state(user_factory(username=f"l{n}"), submissions=1)
    course = parse_course_key(COURSE)
    usage = parse_usage_key(PROBLEM, course)
    task = services.start_task(admin, course, usage, GradingTask.Operation.RESET_ATTEMPTS)

    # a duplicated delivery: several workers run the same task at once
    results, errors = run_in_threads(lambda: services.run_task(task.task_id), count=4)
    assert not errors
    assert set(results) == {"completed"}
    task.refresh_from_db()
    assert (task.state, task.succeeded, task.skipped, task.failed, task.total) == ("completed", 20, 0, 0, 20)
    assert AttemptReset.objects.count() == 20
