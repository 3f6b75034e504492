"""edx-submissions 4.x import path of the grader permission: ``from submissions.permissions import IsXQueueUser``."""

from submissions.external_grader.permissions import IsGrader

__all__ = ["IsXQueueUser"]


class IsXQueueUser(IsGrader):
    """A grader: member of ``SUBMISSIONS["GRADER_GROUP"]`` (default ``xqueue``) or holder of the grader permission."""
