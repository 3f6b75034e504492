"""
Models of external grading: ``ExternalGraderDetail`` (a submission's place in a grader queue),
``SubmissionFile`` (a file sent with it) and ``ScoreEventDelivery`` (the outbox of score events).

They belong to the ``submissions`` app and its migrations (tables ``submissions_*``), as in
edx-submissions 4.x.
"""

import functools
import uuid

from django.db import models
from django.utils.timezone import now
from django_fsm import FSMField, FSMModelMixin, TransitionNotAllowed, transition

from submissions.errors import InvalidTransitionError
from submissions.external_grader.eligibility import eligible_q
from submissions.external_grader.states import TABLE, TRANSITIONS, VALID_TRANSITIONS, Effect, Status
from submissions.external_grader.storage import field_storage, get_storage, submission_file_path

__all__ = ["ExternalGraderDetail", "SubmissionFile", "ScoreEventDelivery", "RefreshableFSMModel"]


def _guarded(name):
    """Make the method a django-fsm transition named in TRANSITIONS that raises our own error."""
    sources, target = TRANSITIONS[name]

    def decorate(func):
        fsm_method = transition(field="status", source=list(sources), target=target)(func)

        @functools.wraps(fsm_method)
        def method(self, *args, **kwargs):
            try:
                return fsm_method(self, *args, **kwargs)
            except TransitionNotAllowed as exc:
                raise InvalidTransitionError(self.status, target) from exc

        return method

    return decorate


class RefreshableFSMModel(FSMModelMixin, models.Model):
    """
    django-fsm-2's :class:`~django_fsm.FSMModelMixin`: ``refresh_from_db()`` works on a model with a
    protected FSM field (issue 13).

    The mixin lifts the field's protection for the refresh by setting ``field.protected = False`` on the
    field itself, which every thread shares: a refresh ending in one thread would re-protect the field in
    the middle of another thread's refresh. Here nothing shared changes: the protected values about to be
    reloaded are taken off this instance first (the descriptor lets an unset value be set once), and put
    back if the refresh fails.
    """

    class Meta:
        abstract = True

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        names = self._get_protected_fsm_fields()
        if fields is not None:
            names &= {getattr(self._meta.get_field(name), "attname", None) for name in fields}
        taken = {name: self.__dict__.pop(name) for name in names if name in self.__dict__}
        try:
            models.Model.refresh_from_db(self, using=using, fields=fields, from_queryset=from_queryset)
        except BaseException:
            for name, value in taken.items():
                self.__dict__.setdefault(name, value)
            raise


class ExternalGraderDetailManager(models.Manager):
    """
    Default manager. Queue reads and writes live in ``submissions.external_grader.queue``; the
    read-only methods of the 4.x manager are kept, with the queue's eligibility (4.x #17 fixed:
    fresh rows are visible at once, the processing delay is in seconds).
    """

    def time_filter(self):
        """``Q`` of the rows a grader could receive now (pending, retry past back-off, stale pulled)."""
        return eligible_q(now())

    def get_queue_length(self, queue_name):
        """Rows of ``queue_name`` a grader could pull now."""
        return self.filter(queue_name=queue_name).filter(self.time_filter()).count()

    def get_next_submission(self, queue_name):
        """The row ``pull`` would hand out next (read only: no lock, no new key), or None."""
        return self.filter(queue_name=queue_name).filter(self.time_filter()).order_by("created_at", "pk").first()


class ExternalGraderDetail(RefreshableFSMModel):
    """
    A submission waiting for, or graded by, an external grader.

    ``status`` is a protected django-fsm field: only the transition methods change it, and only the
    queue services call them, with the row locked. Every transition stamps ``status_time``.
    """

    Status = Status
    VALID_TRANSITIONS = VALID_TRANSITIONS

    submission = models.OneToOneField(
        "submissions.Submission", on_delete=models.CASCADE, related_name="external_grader_detail"
    )
    queue_name = models.CharField(max_length=128)
    queue_key = models.CharField(max_length=128, null=True)
    grader_file_name = models.CharField(max_length=128, default="")
    points_possible = models.PositiveIntegerField(default=1)
    status = FSMField(max_length=20, choices=Status.choices, default=Status.PENDING, protected=True)
    pullkey = models.CharField(max_length=128, null=True, blank=True)
    grader_reply = models.TextField(null=True, blank=True)
    status_time = models.DateTimeField(default=now, db_index=True)
    created_at = models.DateTimeField(default=now, db_index=True)
    num_failures = models.PositiveIntegerField(default=0)
    # Added by this library (migration 0010); NULL-able so 4.x code can still drive the table.
    num_attempts = models.PositiveIntegerField(null=True, blank=True, default=0)
    grader_payload = models.TextField(null=True, blank=True)
    student_info = models.TextField(null=True, blank=True)
    # A regrade requested with only_if_higher: the returned grade is recorded only if not lower.
    only_if_higher = models.BooleanField(null=True, blank=True, default=False)

    objects = ExternalGraderDetailManager()

    class Meta:
        app_label = "submissions"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["queue_name", "status", "status_time"], name="submissions_queue_n_fbabd8_idx"),
        ]

    def __str__(self):
        return f"ExternalGraderDetail({self.submission_id}, {self.queue_name}, {self.status})"

    # -- transitions: each stamps status_time; the caller saves inside its transaction --

    @staticmethod
    def new_pull_key():
        """A fresh, unguessable pull key (the ``hand_out`` transition gives one per hand-out)."""
        return uuid.uuid4().hex

    def _apply(self, name, **arguments):
        """Write what :data:`~submissions.external_grader.states.TABLE` says transition ``name`` writes."""
        for field, effect in TABLE[name].writes.items():
            if effect is Effect.NOW:
                value = now()
            elif effect is Effect.NEW_KEY:
                value = self.new_pull_key()
            elif effect is Effect.INCREMENT:
                value = (getattr(self, field) or 0) + 1
            elif effect is Effect.ARGUMENT:
                value = arguments.get(field)
                if value is None:
                    continue
            else:
                value = effect
            setattr(self, field, value)

    @_guarded("hand_out")
    def hand_out(self):
        """Give the row to a grader: a fresh pull key, the time, one more attempt."""
        self._apply("hand_out")

    @_guarded("defer")
    def defer(self):
        """Recording the grade failed: wait for a back-off, then be handed out again."""
        self._apply("defer")

    @_guarded("retire")
    def retire(self, grader_reply=None):
        """Graded (``grader_reply``: the reply recorded), or superseded by a newer attempt of the same student item."""
        self._apply("retire", grader_reply=grader_reply)

    @_guarded("fail")
    def fail(self):
        """Give up on the row (attempt cap reached, or an operator's decision)."""
        self._apply("fail")

    @_guarded("requeue")
    def requeue(self):
        """Operator requeue of a failed row: back to pending with its counters cleared."""
        self._apply("requeue")

    @_guarded("release")
    def release(self):
        """Operator release of a stuck hand-out: back to pending, the grader's key no longer valid."""
        self._apply("release")

    @_guarded("regrade")
    def regrade(self, only_if_higher=False):
        """Rescore: a finished row goes back to pending with fresh counters (ADR 0006)."""
        self._apply("regrade", only_if_higher=bool(only_if_higher))

    # -- the edx-submissions 4.x interface --

    def can_transition_to(self, new_status, current_status=None):
        current = current_status if current_status is not None else self.status
        return new_status in VALID_TRANSITIONS.get(current, [])

    def update_status(self, new_status):
        """
        Move to ``new_status`` by the transition that leads there (4.x API).

        Raises :class:`~submissions.errors.InvalidTransitionError` (a ``ValueError``) if no allowed
        transition leads from the current state to ``new_status``.
        """
        for name, (sources, target) in TRANSITIONS.items():
            if target == new_status and self.status in sources:
                getattr(self, name)()
                return
        raise InvalidTransitionError(self.status, new_status)

    @classmethod
    def create_from_uuid(cls, submission_uuid, **kwargs):
        submission = cls._meta.get_field("submission").related_model.objects.get(uuid=submission_uuid)
        return cls.objects.create(submission=submission, **kwargs)


class SubmissionFile(models.Model):
    """A file sent with an external-grader submission, kept on the configured storage."""

    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    external_grader = models.ForeignKey(
        ExternalGraderDetail, on_delete=models.SET_NULL, related_name="files", null=True
    )
    file = models.FileField(upload_to=submission_file_path, max_length=512, storage=get_storage)
    original_filename = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=now)

    class Meta:
        app_label = "submissions"
        indexes = [
            models.Index(fields=["external_grader", "uuid"], name="submissions_externa_ff8089_idx"),
        ]

    def __str__(self):
        return f"SubmissionFile({self.original_filename!r}, {self.uuid})"

    @property
    def xqueue_url(self):
        """``/<queue_name>/<uuid>``, the legacy XQueue file reference."""
        queue_name = self.external_grader.queue_name if self.external_grader_id else ""
        return f"/{queue_name}/{self.uuid}"


# Django evaluated ``storage=get_storage`` once, at import (the migrations keep naming
# ``get_storage``); the lazy proxy resolves the configured storage at use and after setting changes.
SubmissionFile._meta.get_field("file").storage = field_storage


class ScoreEventDelivery(models.Model):
    """
    The outbox of score events: written in the transaction that records a grade (or a failure
    notice), delivered after commit, and redelivered until it succeeds or runs out of attempts.
    """

    class Kind(models.TextChoices):
        SCORE = "score", "Score"
        FAILURE = "failure", "Failure notice"

    external_grader = models.ForeignKey(
        ExternalGraderDetail, on_delete=models.SET_NULL, related_name="score_events", null=True
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SCORE)
    payload = models.TextField(help_text="JSON of the event's fields")
    created_at = models.DateTimeField(default=now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        app_label = "submissions"
        ordering = ["id"]
        verbose_name = "score event delivery"
        verbose_name_plural = "score event deliveries"

    def __str__(self):
        return f"ScoreEventDelivery({self.pk}, {self.kind}, delivered={self.delivered_at is not None})"
