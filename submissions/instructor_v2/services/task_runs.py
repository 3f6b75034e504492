"""
Running bulk grading tasks: claim, process learners in batches, complete, fail, fail when stalled.

``run_task`` is idempotent: it claims the row, processes learners in ordered batches after ``cursor`` (each
batch, its counters and the cursor are committed together under the row lock), and a redelivered task resumes
where the last batch ended. Task starts (``services.tasks``) hand runs to a runner (``runners``), which calls
:func:`run_task`; nothing here starts a task.
"""

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils.timezone import now

from submissions.conf import app_settings
from submissions.instructor_v2.backends import Outcome, get_backend
from submissions.instructor_v2.keys import parse_course_key, parse_usage_key
from submissions.instructor_v2.models import GradingTask

__all__ = ["run_task", "fail_task", "fail_if_stalled", "fail_stalled_tasks"]

logger = logging.getLogger("submissions.instructor_v2.services.tasks")

State = GradingTask.State
_VERBS = {
    GradingTask.Operation.RESET_ATTEMPTS: "Reset attempts",
    GradingTask.Operation.RESCORE: "Rescored",
}


def _locked(task_id):
    return GradingTask.objects.select_for_update().filter(pk=task_id).first()


def _claim(task_id):
    """Move a pending task to running (or resume a running one); None if there is nothing to do."""
    with transaction.atomic():
        task = _locked(task_id)
        if task is None or task.state not in GradingTask.ACTIVE_STATES:
            return None
        stamp = now()
        if task.state == State.PENDING:
            task.state, task.started_at = State.RUNNING, stamp
        task.heartbeat_at = task.updated_at = stamp
        task.save(update_fields=["state", "started_at", "heartbeat_at", "updated_at"])
        return task


def run_task(task_id):
    """Run (or resume) a bulk task to its end; returns the final state (idempotent)."""
    task = _claim(task_id)
    if task is None:
        row = GradingTask.objects.filter(pk=task_id).values_list("state", flat=True).first()
        return row or "missing"
    try:
        backend = get_backend()
        course_key = parse_course_key(task.course_key)
        usage_key = parse_usage_key(task.problem_key, course_key)
        if not task.counted:
            total = backend.count_learners(course_key, usage_key, task.operation)
            GradingTask.objects.filter(pk=task.pk, state=State.RUNNING).update(
                total=total, counted=True, heartbeat_at=now(), updated_at=now()
            )
        batch_size = max(1, int(app_settings.TASK_BATCH_SIZE))
        while True:
            with transaction.atomic():
                row = _locked(task.pk)
                if row is None or row.state != State.RUNNING:
                    return row.state if row else "missing"
                ids = backend.learner_ids(course_key, usage_key, row.operation, after=row.cursor, limit=batch_size)
                if not ids:
                    _complete(row)
                    return State.COMPLETED
                outcomes = backend.process_batch(row.operation, course_key, usage_key, ids, row.requester, row.scope)
                for learner_id in ids:
                    outcome = outcomes.get(learner_id, Outcome.SKIPPED)
                    setattr(row, str(outcome), getattr(row, str(outcome)) + 1)
                row.cursor = ids[-1]
                row.total = max(row.total, row.current)
                row.heartbeat_at = row.updated_at = now()
                row.save(
                    update_fields=["succeeded", "skipped", "failed", "cursor", "total", "heartbeat_at", "updated_at"]
                )
    except Exception as exc:
        logger.exception("Task %s failed", task_id)
        fail_task(task_id, "TASK_FAILED", f"The task failed: {type(exc).__name__}: {exc}")
        return State.FAILED


def _complete(row):
    verb = _VERBS.get(row.operation, row.operation)
    message = f"{verb} for {row.succeeded} learners ({row.skipped} skipped, {row.failed} failed)"
    stamp = now()
    row.state, row.active_key, row.finished_at = State.COMPLETED, None, stamp
    row.heartbeat_at = row.updated_at = stamp
    row.total = max(row.total, row.current)
    row.result = {
        "success": row.failed == 0,
        "message": message,
        "succeeded": row.succeeded,
        "skipped": row.skipped,
        "failed": row.failed,
    }
    row.save()
    logger.info("Task %s completed: %s", row.task_id, message)


def fail_task(task_id, code, message):
    """Mark an active task failed with ``{"code", "message"}``; returns whether it was active."""
    with transaction.atomic():
        row = _locked(task_id)
        if row is None or row.state not in GradingTask.ACTIVE_STATES:
            return False
        stamp = now()
        row.state, row.active_key, row.finished_at, row.updated_at = State.FAILED, None, stamp, stamp
        row.error = {"code": code, "message": message}
        row.save()
    logger.warning("Task %s failed: %s", task_id, code)
    return True


def _stalled_filter(cutoff):
    return (
        Q(state=State.RUNNING, heartbeat_at__lt=cutoff)
        | Q(state=State.RUNNING, heartbeat_at__isnull=True, updated_at__lt=cutoff)
        | Q(state=State.PENDING, created_at__lt=cutoff)
    )


def fail_if_stalled(task_id, timeout=None):
    timeout = app_settings.TASK_STALL_TIMEOUT if timeout is None else timeout
    cutoff = now() - timedelta(seconds=timeout)
    with transaction.atomic():
        query = GradingTask.objects.filter(_stalled_filter(cutoff), pk=task_id)
        if connection.features.has_select_for_update_skip_locked:
            query = query.select_for_update(skip_locked=True)
        row = query.first()
        if row is None:  # not stalled, or a live worker holds it
            return False
        stamp = now()
        silent = int((stamp - (row.heartbeat_at or row.created_at)).total_seconds())
        row.state, row.active_key, row.finished_at, row.updated_at = State.FAILED, None, stamp, stamp
        row.error = {"code": "TASK_STALLED", "message": f"The task reported no progress for {silent} seconds"}
        row.save()
    logger.warning("Task %s failed as stalled", task_id)
    return True


def fail_stalled_tasks(timeout=None):
    """Fail every task running (or pending) without a report for ``timeout`` seconds; returns their ids."""
    timeout = app_settings.TASK_STALL_TIMEOUT if timeout is None else timeout
    cutoff = now() - timedelta(seconds=timeout)
    candidates = list(GradingTask.objects.filter(_stalled_filter(cutoff)).values_list("pk", flat=True))
    return [task_id for task_id in candidates if fail_if_stalled(task_id, timeout)]
