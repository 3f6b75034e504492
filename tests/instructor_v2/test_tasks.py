"""Bulk task services: running, resuming, failing, stalled tasks and the operator command."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils.timezone import now

from submissions.errors import TaskAlreadyRunningError
from submissions.instructor_v2 import services
from submissions.instructor_v2.backends import DefaultGradingBackend
from submissions.instructor_v2.keys import parse_course_key, parse_usage_key
from submissions.instructor_v2.models import AttemptReset, GradingTask
from tests.instructor_v2.conftest import COURSE, PROBLEM

pytestmark = pytest.mark.django_db

NO_RUNNER = {"TASK_RUNNER": "tests.instructor_v2.test_views.NoRunner"}


@pytest.fixture
def keys():
    course = parse_course_key(COURSE)
    return course, parse_usage_key(PROBLEM, course)


@pytest.fixture
def learners(user_factory, make_state):
    made = [user_factory(username=f"learner{n}") for n in range(5)]
    for user in made:
        make_state(user, submissions=2, score=3, grader=True)
    return made


@pytest.fixture
def admin(user_factory):
    return user_factory(username="admin", is_staff=True)


def start(admin, keys, operation=GradingTask.Operation.RESET_ATTEMPTS, options=None):
    with override_settings(SUBMISSIONS=NO_RUNNER):
        return services.start_task(admin, *keys, operation, options)


def test_run_processes_all_learners_in_batches_and_is_idempotent(admin, keys, learners, settings):
    settings.SUBMISSIONS = {"TASK_BATCH_SIZE": 2}
    task = start(admin, keys)
    assert services.run_task(task.task_id) == "completed"
    task.refresh_from_db()
    assert (task.succeeded, task.skipped, task.failed, task.total) == (5, 0, 0, 5)
    assert task.active_key is None and task.finished_at is not None
    assert AttemptReset.objects.count() == 5
    updated = task.updated_at
    assert services.run_task(task.task_id) == "completed"  # a redelivered message changes nothing
    task.refresh_from_db()
    assert task.updated_at == updated and task.current == 5


def test_redelivered_task_resumes_after_its_cursor(admin, keys, learners, settings):
    settings.SUBMISSIONS = {"TASK_BATCH_SIZE": 2}
    task = start(admin, keys)
    ids = sorted(str(user.pk) for user in learners)
    # a worker claimed it, processed two learners, and died
    GradingTask.objects.filter(pk=task.pk).update(
        state="running", succeeded=2, cursor=ids[1], total=5, counted=True, heartbeat_at=now()
    )
    assert services.run_task(task.task_id) == "completed"
    task.refresh_from_db()
    assert (task.succeeded, task.total) == (5, 5)
    # the two learners of the dead worker's batch were not processed again
    assert set(AttemptReset.objects.values_list("student_item__student_id", flat=True)) == set(ids[2:])


class ExplodingBackend(DefaultGradingBackend):
    def process_batch(self, *args, **kwargs):
        raise RuntimeError("grading service unavailable")


def test_a_task_whose_backend_fails_is_failed_and_frees_its_scope(admin, keys, learners, settings):
    task = start(admin, keys)
    settings.SUBMISSIONS = {"INSTRUCTOR_BACKEND": "tests.instructor_v2.test_tasks.ExplodingBackend"}
    assert services.run_task(task.task_id) == "failed"
    task.refresh_from_db()
    assert task.error["code"] == "TASK_FAILED"
    assert "grading service unavailable" in task.error["message"]
    assert task.active_key is None
    status = services.task_status(task)
    assert status["error"]["code"] == "TASK_FAILED" and "result" not in status
    settings.SUBMISSIONS = {}
    assert start(admin, keys).state == "pending"  # the scope is free again


def test_per_learner_failures_are_counted(admin, keys, learners, settings):
    settings.SUBMISSIONS = {"INSTRUCTOR_RESCORE_HOOK": "tests.instructor_v2.test_tasks.failing_hook"}
    from submissions.models import ExternalGraderDetail

    # two learners lose their grader rows: the hook (which fails) is used for them
    ExternalGraderDetail.objects.filter(
        submission__student_item__student_id__in=[str(learners[0].pk), str(learners[1].pk)]
    ).delete()
    task = start(admin, keys, GradingTask.Operation.RESCORE, {"only_if_higher": False})
    assert services.run_task(task.task_id) == "completed"
    task.refresh_from_db()
    assert (task.succeeded, task.skipped, task.failed) == (3, 0, 2)
    assert task.result == {
        "success": False,
        "message": "Rescored for 3 learners (0 skipped, 2 failed)",
        "succeeded": 3,
        "skipped": 0,
        "failed": 2,
    }


def failing_hook(submission, student_item, *, only_if_higher, requester):
    raise ValueError("cannot evaluate")


def test_a_task_failed_by_an_operator_stops_its_worker(admin, keys, learners):
    task = start(admin, keys)
    assert services.fail_task(task.task_id, "TASK_FAILED", "stopped by an operator")
    assert services.run_task(task.task_id) == "failed"
    assert AttemptReset.objects.count() == 0
    assert not services.fail_task(task.task_id, "TASK_FAILED", "again")


def test_dispatch_failure_fails_the_task(admin, keys, learners, settings, django_capture_on_commit_callbacks):
    settings.SUBMISSIONS = {"TASK_RUNNER": "tests.instructor_v2.test_tasks.BrokenRunner"}
    with django_capture_on_commit_callbacks(execute=True):
        task = services.start_task(admin, *keys, GradingTask.Operation.RESET_ATTEMPTS)
    task.refresh_from_db()
    assert task.state == "failed" and "could not be queued" in task.error["message"]


class BrokenRunner:
    def dispatch(self, task_id):
        raise ConnectionError("broker unreachable")


@pytest.mark.parametrize("runner", ["inline", "tasks", None])
def test_runners_run_the_task(admin, keys, learners, settings, runner, django_capture_on_commit_callbacks):
    settings.SUBMISSIONS = {"TASK_RUNNER": runner}
    with django_capture_on_commit_callbacks(execute=True):
        task = services.start_task(admin, *keys, GradingTask.Operation.RESET_ATTEMPTS)
    task.refresh_from_db()
    assert task.state == "completed" and task.succeeded == 5
    assert task.backend_task_id


def test_second_start_is_refused_by_the_database(admin, keys, learners):
    first = start(admin, keys)
    with pytest.raises(TaskAlreadyRunningError) as caught:
        start(admin, keys)
    assert caught.value.task_id == first.task_id
    assert GradingTask.objects.count() == 1


# -- stalled tasks --


def _age(task, seconds, **fields):
    past = now() - timedelta(seconds=seconds)
    GradingTask.objects.filter(pk=task.pk).update(heartbeat_at=past, updated_at=past, created_at=past, **fields)


def test_fail_stalled_tasks(admin, keys, learners, settings):
    settings.SUBMISSIONS = {"TASK_STALL_TIMEOUT": 60}
    stalled = start(admin, keys)
    _age(stalled, 120, state="running")
    fresh = start(admin, keys, GradingTask.Operation.RESCORE)
    GradingTask.objects.filter(pk=fresh.pk).update(state="running", heartbeat_at=now())
    assert services.fail_stalled_tasks() == [stalled.task_id]
    stalled.refresh_from_db()
    fresh.refresh_from_db()
    assert stalled.state == "failed" and stalled.error["code"] == "TASK_STALLED" and stalled.active_key is None
    assert fresh.state == "running"
    assert services.fail_stalled_tasks(timeout=0) == [fresh.task_id]


def test_old_pending_task_is_stalled_too(admin, keys, learners):
    task = start(admin, keys)
    _age(task, 7200)
    assert services.fail_stalled_tasks() == [task.task_id]


def test_start_replaces_a_stalled_task_instead_of_409(admin, keys, learners):
    old = start(admin, keys)
    _age(old, 7200, state="running")
    new = start(admin, keys)
    assert new.task_id != old.task_id
    old.refresh_from_db()
    assert old.state == "failed" and old.error["code"] == "TASK_STALLED"


def test_fail_stalled_grading_tasks_command(admin, keys, learners):
    task = start(admin, keys)
    _age(task, 100, state="running")
    out = io.StringIO()
    call_command("fail_stalled_grading_tasks", "--timeout", "50", stdout=out)
    assert f"failed {task.task_id}" in out.getvalue()
    assert "1 stalled task(s) failed" in out.getvalue()
    out = io.StringIO()
    call_command("fail_stalled_grading_tasks", stdout=out)
    assert "0 stalled task(s) failed" in out.getvalue()


# -- admin --


def test_admin_lists_tasks_and_fails_selected_ones(admin, keys, learners, client):
    task = start(admin, keys)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    url = "/admin/submissions_instructor/gradingtask/"
    assert client.get(url).status_code == 200
    assert client.get(f"{url}{task.pk}/change/").status_code == 200
    response = client.post(url, {"action": "fail_selected", "_selected_action": [str(task.pk)]}, follow=True)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.state == "failed" and task.error["message"] == "Failed by an operator"
    assert client.get("/admin/submissions_instructor/attemptreset/").status_code == 200


# -- system checks --


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, []),
        ({"TASK_RUNNER": "inline"}, []),
        ({"TASK_RUNNER": "tests.instructor_v2.test_views.NoRunner"}, []),
        ({"TASK_RUNNER": "no.such.Runner"}, ["submissions_instructor.E002"]),
        ({"INSTRUCTOR_BACKEND": "no.such.Backend"}, ["submissions_instructor.E001"]),
        ({"TASK_BACKEND": "db"}, []),
        ({"TASK_BACKEND": "elsewhere"}, ["submissions_instructor.E005"]),
        ({"TASK_BACKEND": "elsewhere", "TASK_RUNNER": "inline"}, []),
    ],
)
def test_system_checks(settings, value, expected):
    from submissions.instructor_v2.checks import check_instructor_settings

    settings.SUBMISSIONS = value
    assert [error.id for error in check_instructor_settings()] == expected
