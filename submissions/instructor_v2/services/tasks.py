"""
Bulk (all-learner) grading tasks: start and report. Runs are in :mod:`~.task_runs`.

A task row is created with ``active_key`` set, so the database refuses a second active task of the same
(course, operation, problem); the runner (``runners``) is called after commit and runs it with
``task_runs.run_task``.
"""

import logging
import uuid

from django.db import IntegrityError, transaction

from submissions.errors import InstructorNotFoundError, InstructorPermissionError, TaskAlreadyRunningError
from submissions.instructor_v2.backends import get_backend
from submissions.instructor_v2.models import GradingTask, active_key_for
from submissions.instructor_v2.runners import get_runner
from submissions.instructor_v2.services.access import require_instructor, require_problem
from submissions.instructor_v2.services.task_runs import fail_if_stalled, fail_stalled_tasks, fail_task, run_task

__all__ = ["start_task", "run_task", "get_task_status", "task_status", "fail_task", "fail_stalled_tasks"]

logger = logging.getLogger(__name__)

State = GradingTask.State


def start_task(user, course_key, usage_key, operation, options=None):
    """Create a pending all-learner task and dispatch it after commit; 409 if one is already active."""
    backend = get_backend()
    require_instructor(backend, user, course_key)
    require_problem(backend, course_key, usage_key, rescoring=operation == GradingTask.Operation.RESCORE)
    scope = {"learners": "all", "problem_location": str(usage_key), "problems": str(usage_key), **(options or {})}
    key = active_key_for(course_key, operation, usage_key)
    for attempt in range(3):
        try:
            with transaction.atomic():
                task = GradingTask.objects.create(
                    course_key=str(course_key),
                    problem_key=str(usage_key),
                    operation=operation,
                    scope=scope,
                    requester=user if getattr(user, "pk", None) else None,
                    active_key=key,
                )
        except IntegrityError:
            existing = GradingTask.objects.filter(active_key=key).first()
            if existing is None:
                continue  # it finished between our insert and this read
            if attempt == 0 and fail_if_stalled(existing.pk):
                continue
            error = TaskAlreadyRunningError(existing.task_id)
            error.course_key = existing.course_key
            raise error from None
        transaction.on_commit(lambda task_id=task.task_id: _dispatch(get_runner(), task_id))
        logger.info("Task %s (%s on %s) created by user %s", task.task_id, operation, usage_key, user.pk)
        return task
    raise TaskAlreadyRunningError("unknown")


def _dispatch(runner, task_id):
    try:
        backend_task_id = runner.dispatch(task_id)
    except Exception as exc:  # a task that cannot be queued must not block the operation forever
        logger.exception("Task %s could not be dispatched", task_id)
        fail_task(task_id, "TASK_FAILED", f"The task could not be queued: {exc}")
        return
    if backend_task_id:
        GradingTask.objects.filter(pk=task_id, backend_task_id__isnull=True).update(backend_task_id=backend_task_id)


def task_status(task):
    """The ``TaskStatus`` dict of a task row."""
    data = {
        "task_id": str(task.task_id),
        "state": task.state,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "progress": {"current": task.current, "total": task.total},
    }
    if task.state == State.COMPLETED and task.result is not None:
        data["result"] = task.result
    if task.state == State.FAILED and task.error is not None:
        data["error"] = task.error
    return data


def get_task_status(user, course_key, task_id):
    """The status of a task of this course, for its requester or anyone allowed to start it (course staff)."""
    backend = get_backend()
    try:
        task = GradingTask.objects.get(pk=uuid.UUID(str(task_id)), course_key=str(course_key))
    except (ValueError, GradingTask.DoesNotExist):
        task = None
    is_requester = task is not None and user is not None and task.requester_id == user.pk
    if not is_requester and not backend.is_course_staff(user, course_key):
        raise InstructorPermissionError("Course staff access required")
    if task is None:
        raise InstructorNotFoundError("Task not found")
    return task_status(task)
