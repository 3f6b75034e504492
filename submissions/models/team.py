"""TeamSubmission: one answer of a team, fanned out to a Submission per member."""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.timezone import now

from submissions.models.core import ACTIVE, STATUS_CHOICES, SoftDeletedManager

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

    def __repr__(self):
        return (
            f"TeamSubmission(uuid={self.uuid!s}, course_id={self.course_id!r}, item_id={self.item_id!r}, "
            f"team_id={self.team_id!r}, status={self.status!r})"
        )

    def __str__(self):
        return f"Team submission {self.uuid}"
