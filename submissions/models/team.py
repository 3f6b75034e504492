"""TeamSubmission: one answer of a team, fanned out to a Submission per member."""

import logging
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.timezone import now

from submissions.errors import TeamSubmissionInternalError, TeamSubmissionNotFoundError
from submissions.models.core import ACTIVE, STATUS_CHOICES, SoftDeletedManager

logger = logging.getLogger(__name__)

__all__ = ["TeamSubmission"]


class TeamSubmission(models.Model):
    """
    A team's submission to an item. At most one active per (course, item, team); the team API
    enforces that under a lock (see ``submissions.services.teams``).
    """

    created = models.DateTimeField(default=now, editable=False, verbose_name="created")
    modified = models.DateTimeField(default=now, editable=False, verbose_name="modified")
    uuid = models.UUIDField(db_index=True, default=uuid4)
    attempt_number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField(default=now, db_index=True)
    course_id = models.CharField(max_length=255, db_index=True)
    item_id = models.CharField(max_length=255, db_index=True)
    team_id = models.CharField(max_length=255, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=1, choices=STATUS_CHOICES, default=ACTIVE)

    objects = SoftDeletedManager()
    _objects = models.Manager()

    class Meta:
        app_label = "submissions"
        ordering = ["-submitted_at", "-id"]

    def save(self, *args, **kwargs):
        self.modified = now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "modified"}
        super().save(*args, **kwargs)

    @staticmethod
    def get_cache_key(sub_uuid):
        return f"submissions.team_submission.{sub_uuid}"

    # The 4.x lookups, kept for callers of the model (the team API has its own, in submissions.services.teams).
    # Each returns the active row with its member submissions prefetched, or raises the 4.x errors.

    @staticmethod
    def _get_one(description, **lookup):
        try:
            return TeamSubmission.objects.prefetch_related("submissions").get(**lookup)
        except TeamSubmission.DoesNotExist as exc:
            raise TeamSubmissionNotFoundError(f"No team submission matching {description}") from exc
        except Exception as exc:  # noqa: BLE001 -- the 4.x boundary: anything else is an internal error
            logger.error("Attempt to get team submission for %s caused error: %s", description, exc)
            raise TeamSubmissionInternalError(
                f"Attempt to get team submission for {description} caused error: {exc}"
            ) from exc

    @staticmethod
    def get_team_submission_by_uuid(team_submission_uuid):
        """The active team submission of ``team_submission_uuid``; NotFound, or Internal (malformed uuid)."""
        return TeamSubmission._get_one(f"uuid {team_submission_uuid}", uuid=team_submission_uuid)

    @staticmethod
    def get_team_submission_by_course_item_team(course_id, item_id, team_id):
        """The team's active team submission for the item."""
        description = f"course_id={course_id} item_id={item_id} team_id={team_id}"
        return TeamSubmission._get_one(description, course_id=course_id, item_id=item_id, team_id=team_id)

    @staticmethod
    def get_team_submission_by_student_item(student_item):
        """The active team submission that has a member submission of ``student_item`` (a StudentItem)."""
        return TeamSubmission._get_one(str(student_item), submissions__student_item=student_item)

    @staticmethod
    def get_all_team_submissions_for_course_item(course_id, item_id):
        """A queryset of the item's active team submissions, members prefetched."""
        return TeamSubmission.objects.prefetch_related("submissions").filter(course_id=course_id, item_id=item_id)

    def __repr__(self):
        return (
            f"TeamSubmission(uuid={self.uuid!s}, course_id={self.course_id!r}, item_id={self.item_id!r}, "
            f"team_id={self.team_id!r}, status={self.status!r})"
        )

    def __str__(self):
        return f"Team Submission {self.uuid}"
