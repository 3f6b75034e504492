"""StudentItem, Submission and the score models."""

from uuid import uuid4

from django.db import models
from django.utils.timezone import now

from submissions.models.fields import AnonymizedUserIDField, JSONTextField

__all__ = [
    "ACTIVE",
    "DELETED",
    "STATUS_CHOICES",
    "SoftDeletedManager",
    "StudentItem",
    "Submission",
    "Score",
    "ScoreSummary",
    "ScoreAnnotation",
]

ACTIVE = "A"
DELETED = "D"
STATUS_CHOICES = ((DELETED, "Deleted"), (ACTIVE, "Active"))


class SoftDeletedManager(models.Manager):
    """Default manager of soft-deletable models: hides rows whose status is ``D``."""

    def get_queryset(self):
        return super().get_queryset().exclude(status=DELETED)


class StudentItem(models.Model):
    """
    One learner on one gradable item of a course.

    ``student_id`` is the anonymous user id; ``item_type`` is not part of the identity (as in
    edx-submissions, the unique constraint is on course, student and item only).
    """

    student_id = AnonymizedUserIDField()
    course_id = models.CharField(max_length=255, blank=False, db_index=True)
    item_id = models.CharField(max_length=255, blank=False, db_index=True)
    item_type = models.CharField(max_length=100)

    class Meta:
        app_label = "submissions"
        unique_together = (("course_id", "student_id", "item_id"),)

    @property
    def student_item_dict(self):
        return {
            "student_id": self.student_id,
            "course_id": self.course_id,
            "item_id": self.item_id,
            "item_type": self.item_type,
        }

    def __repr__(self):
        return f"StudentItem({self.student_item_dict!r})"

    def __str__(self):
        return f"({self.student_id}, {self.course_id}, {self.item_type}, {self.item_id})"


class Submission(models.Model):
    """One answer of a learner to a student item. Soft-deleted, never hard-deleted by the API."""

    MAXSIZE = 1024 * 100  # 100 KB of JSON text

    uuid = models.UUIDField(db_index=True, default=uuid4)
    student_item = models.ForeignKey(StudentItem, on_delete=models.CASCADE)
    attempt_number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField(default=now, db_index=True)
    created_at = models.DateTimeField(editable=False, default=now, db_index=True)
    answer = JSONTextField(blank=True, db_column="raw_answer")
    status = models.CharField(max_length=1, choices=STATUS_CHOICES, default=ACTIVE)
    team_submission = models.ForeignKey(
        "submissions.TeamSubmission",
        related_name="submissions",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    objects = SoftDeletedManager()
    _objects = models.Manager()

    class Meta:
        app_label = "submissions"
        ordering = ["-submitted_at", "-id"]

    @staticmethod
    def get_cache_key(sub_uuid):
        return f"submissions.submission.{sub_uuid}"

    def __repr__(self):
        return (
            f"Submission(uuid={self.uuid!s}, student_item={self.student_item_id}, "
            f"attempt_number={self.attempt_number}, status={self.status!r})"
        )

    def __str__(self):
        return f"Submission {self.uuid}"


class Score(models.Model):
    """
    A score given to a student item, optionally for one submission. Scores are history: never
    updated. ``points_possible == 0`` marks a hidden score (what a reset writes).
    """

    student_item = models.ForeignKey(StudentItem, on_delete=models.CASCADE)
    submission = models.ForeignKey(Submission, null=True, on_delete=models.CASCADE)
    points_earned = models.PositiveIntegerField(default=0)
    points_possible = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(editable=False, default=now, db_index=True)
    reset = models.BooleanField(default=False)

    class Meta:
        app_label = "submissions"

    @property
    def submission_uuid(self):
        """The uuid (str) of the scored submission, or None for a reset or itemless score."""
        if self.submission_id is None:
            return None
        return str(self.submission.uuid)

    def to_float(self):
        """``points_earned / points_possible``, or None when nothing was possible."""
        if self.points_possible == 0:
            return None
        return float(self.points_earned) / self.points_possible

    def is_hidden(self):
        """A score with nothing possible is not shown to learners (e.g. after a reset)."""
        return self.points_possible == 0

    @classmethod
    def create_reset_score(cls, student_item):
        """Write a 0/0 reset score, which becomes both the latest and the highest."""
        return cls.objects.create(
            student_item=student_item,
            submission=None,
            points_earned=0,
            points_possible=0,
            reset=True,
        )

    def __repr__(self):
        return (
            f"Score(student_item={self.student_item_id}, submission={self.submission_id}, "
            f"points={self.points_earned}/{self.points_possible}, reset={self.reset})"
        )

    def __str__(self):
        return f"{self.points_earned}/{self.points_possible}"


class ScoreSummary(models.Model):
    """The latest and the highest Score of a student item, kept up to date on every new Score."""

    student_item = models.OneToOneField(StudentItem, on_delete=models.CASCADE)
    highest = models.ForeignKey(Score, related_name="+", on_delete=models.CASCADE)
    latest = models.ForeignKey(Score, related_name="+", on_delete=models.CASCADE)

    class Meta:
        app_label = "submissions"
        verbose_name_plural = "Score Summaries"

    @staticmethod
    def replaces_highest(new, highest):
        """Whether ``new`` becomes the highest score in place of ``highest``."""
        if new.reset:
            return True
        new_ratio, old_ratio = new.to_float(), highest.to_float()
        if new_ratio is None:
            return False
        return old_ratio is None or new_ratio > old_ratio

    def __str__(self):
        return f"ScoreSummary({self.student_item_id}: latest={self.latest_id}, highest={self.highest_id})"


class ScoreAnnotation(models.Model):
    """Why a score was given, and by whom (e.g. a staff override)."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE)
    annotation_type = models.CharField(max_length=255, blank=False, db_index=True)
    creator = AnonymizedUserIDField()
    reason = models.TextField()

    class Meta:
        app_label = "submissions"

    def __str__(self):
        return f"{self.annotation_type} by {self.creator}"
