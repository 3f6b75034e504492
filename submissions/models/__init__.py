"""
The models of the ``submissions`` app (tables ``submissions_*``), with the module-level names that
edx-submissions 4.x exposes here and its migrations reference.
"""

from submissions.errors import DuplicateTeamSubmissionsError
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery, SubmissionFile
from submissions.external_grader.storage import _get_storage_cached, get_storage, submission_file_path
from submissions.models.core import (
    ACTIVE,
    DELETED,
    STATUS_CHOICES,
    Score,
    ScoreAnnotation,
    ScoreSummary,
    StudentItem,
    Submission,
)
from submissions.models.fields import AnonymizedUserIDField, JSONTextField
from submissions.models.team import TeamSubmission
from submissions.signals import score_reset, score_set

__all__ = [
    "ACTIVE",
    "DELETED",
    "STATUS_CHOICES",
    "AnonymizedUserIDField",
    "DuplicateTeamSubmissionsError",
    "ExternalGraderDetail",
    "JSONTextField",
    "Score",
    "ScoreAnnotation",
    "ScoreEventDelivery",
    "ScoreSummary",
    "StudentItem",
    "Submission",
    "SubmissionFile",
    "TeamSubmission",
    "_get_storage_cached",
    "get_storage",
    "score_reset",
    "score_set",
    "submission_file_path",
]
