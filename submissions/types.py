"""
Types of the public API's arguments and results (``submissions.api``, ``submissions.team_api``), for type
checkers: the dicts are plain ``dict`` objects at run time, of the shapes ``docs/api.rst`` describes.
"""

# Annotations are not postponed here: a TypedDict tells its optional keys (``__optional_keys__``, which run-time
# validators read) only from evaluated ``NotRequired`` annotations.
import datetime
import uuid
from typing import TYPE_CHECKING, Any, NotRequired, TypeAlias, TypedDict

if TYPE_CHECKING:
    from opaque_keys import OpaqueKey

__all__ = [
    "AnnotationDict",
    "LookupId",
    "ScoreDict",
    "StudentItemDict",
    "StudentItemLookup",
    "SubmissionDict",
    "SubmissionUUID",
    "TeamSubmissionDict",
    "TopSubmissionDict",
]

#: A submission's uuid: a ``str`` in any form ``uuid.UUID`` parses, or a ``UUID``.
SubmissionUUID: TypeAlias = str | uuid.UUID
#: A course, item or student id used only to look rows up: a ``str``, or an edx-opaque-keys key.
LookupId: TypeAlias = "str | OpaqueKey"


class StudentItemDict(TypedDict):
    """A learner's item: ``student_id`` is the anonymous user id."""

    student_id: str
    course_id: str
    item_id: str
    item_type: str


class StudentItemLookup(TypedDict):
    """A student item to look up; ``item_type`` may be left out."""

    student_id: str
    course_id: str
    item_id: str
    item_type: NotRequired[str]


class SubmissionDict(TypedDict):
    uuid: str
    student_item: int
    attempt_number: int
    submitted_at: datetime.datetime
    created_at: datetime.datetime
    answer: Any
    team_submission_uuid: uuid.UUID | None


class AnnotationDict(TypedDict):
    creator: str
    reason: str
    annotation_type: str


class ScoreDict(TypedDict):
    """A score; ``annotations`` only in the annotated reads (``get_score``, ``get_latest_score_for_submission``)."""

    student_item: int
    submission: int | None
    points_earned: int
    points_possible: int
    created_at: datetime.datetime
    submission_uuid: str | None
    annotations: NotRequired[list[AnnotationDict]]


class TopSubmissionDict(TypedDict):
    score: int
    content: Any


class TeamSubmissionDict(TypedDict):
    team_submission_uuid: str
    attempt_number: int
    submitted_at: datetime.datetime
    course_id: str
    item_id: str
    team_id: str
    submitted_by: int
    created_at: datetime.datetime
    answer: Any
    submission_uuids: list[uuid.UUID]
