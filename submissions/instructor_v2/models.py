"""
Tables of the instructor API: bulk grading tasks and attempt-counter resets.

Only :mod:`submissions.instructor_v2.services` (and the default backend for ``AttemptReset``) write them.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils.timezone import now

__all__ = ["GradingTask", "AttemptReset", "active_key_for"]


def active_key_for(course_key, operation, problem_key):
    """The value of ``GradingTask.active_key`` for a task of this scope (fixed length, any key length)."""
    raw = "\x00".join([str(course_key), operation, str(problem_key)])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class GradingTask(models.Model):
    """
    One all-learner operation on one problem, with its progress.

    ``active_key`` is set while the task is pending or running and cleared when it finishes; its unique
    constraint lets the database refuse a second active task of the same (course, operation, problem),
    on every backend (NULLs never collide).
    """

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    class Operation(models.TextChoices):
        RESET_ATTEMPTS = "reset_attempts"
        RESCORE = "rescore"

    ACTIVE_STATES = (State.PENDING, State.RUNNING)

    task_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course_key = models.CharField(max_length=255, db_index=True)
    problem_key = models.CharField(max_length=255)
    operation = models.CharField(max_length=32, choices=Operation.choices)
    # Inputs of the operation, e.g. {"learners": "all", "problem_location": ..., "only_if_higher": false}.
    scope = models.JSONField(default=dict)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    active_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    total = models.PositiveIntegerField(default=0)
    counted = models.BooleanField(default=False)
    succeeded = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # The last learner id processed: a redelivered task resumes after it.
    cursor = models.CharField(max_length=255, null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    # Id of the Tasks-API result (or inline) that carries the task to a worker.
    backend_task_id = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(default=now, db_index=True)
    updated_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="instr_task_state_hb_idx")]

    def __str__(self):
        return f"{self.operation} {self.problem_key} ({self.state})"

    def __repr__(self):
        return f"GradingTask(task_id={self.task_id!s}, operation={self.operation!r}, state={self.state!r})"

    @property
    def current(self):
        """Learner states processed so far."""
        return self.succeeded + self.skipped + self.failed

    @property
    def is_active(self):
        return self.state in self.ACTIVE_STATES


class AttemptReset(models.Model):
    """
    Where a learner's attempt counter on an item starts over (the default backend's reset attempts).

    Attempts used = the item's active submissions with an id above ``last_submission_id``; answers,
    submissions and scores are untouched by a reset.
    """

    student_item = models.OneToOneField("submissions.StudentItem", on_delete=models.CASCADE, related_name="+")
    last_submission_id = models.BigIntegerField(default=0)
    reset_at = models.DateTimeField(default=now)
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"AttemptReset({self.student_item_id} after submission {self.last_submission_id})"
