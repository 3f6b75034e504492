"""
Public interface of the submissions app (drop-in for edx-submissions 4.x ``submissions.api``).

Every function is a thin adapter over :mod:`submissions.services`; the services own the
transactions. Results are plain dicts (see ``docs/api.rst``); errors are those of
:mod:`submissions.errors`, re-exported here because edx-platform imports them from this module.

The private helpers ``_get_or_create_student_item``, ``_use_read_replica``, ``_log_submission``,
``_log_score`` and ``_get_submission_model`` keep their 4.x names and are looked up at call time,
so code that patches them keeps working. Anything not listed in ``__all__`` is private.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from submissions.errors import (
    ExternalGraderQueueEmptyError,
    SubmissionError,
    SubmissionInternalError,
    SubmissionNotFoundError,
    SubmissionRequestError,
)
from submissions.services import lookup as _lookup
from submissions.services import reads as _reads
from submissions.services import scores as _scores
from submissions.services import student_items as _student_items
from submissions.services import submissions as _submissions
from submissions.types import (
    LookupId,
    ScoreDict,
    StudentItemDict,
    StudentItemLookup,
    SubmissionDict,
    SubmissionUUID,
    TopSubmissionDict,
)

if TYPE_CHECKING:
    import datetime

    from django.db.models import QuerySet

    from submissions.external_grader.models import ExternalGraderDetail
    from submissions.models import Score, StudentItem, Submission, TeamSubmission

__all__ = [
    "MAX_TOP_SUBMISSIONS",
    "TOP_SUBMISSIONS_CACHE_TIMEOUT",
    "ExternalGraderQueueEmptyError",
    "SubmissionError",
    "SubmissionInternalError",
    "SubmissionNotFoundError",
    "SubmissionRequestError",
    "create_submission",
    "create_external_grader_detail",
    "get_files_for_grader",
    "get_submission",
    "get_submission_and_student",
    "get_submissions",
    "get_all_submissions",
    "get_all_course_submission_information",
    "get_top_submissions",
    "get_student_ids_by_submission_uuid",
    "get_score",
    "get_scores",
    "get_latest_score_for_submission",
    "get_latest_scores_for_submissions",
    "reset_score",
    "set_score",
]

logger = logging.getLogger("submissions.api")

#: Largest ``number_of_top_scores`` accepted by :func:`get_top_submissions`.
MAX_TOP_SUBMISSIONS = _reads.MAX_TOP_SUBMISSIONS
#: Seconds the result of :func:`get_top_submissions` stays cached.
TOP_SUBMISSIONS_CACHE_TIMEOUT = _reads.TOP_SUBMISSIONS_CACHE_TIMEOUT


# -- submissions --


def create_submission(
    student_item_dict: StudentItemDict,
    answer: Any,
    submitted_at: datetime.datetime | str | None = None,
    attempt_number: int | None = None,
    team_submission: TeamSubmission | None = None,
) -> SubmissionDict:
    """
    Create a submission of ``answer`` for the student item and return its dict.

    Everything is validated before anything is written. ``attempt_number`` defaults to the latest
    attempt + 1 (1 for the first). Raises ``SubmissionRequestError`` (with ``field_errors``) for an
    invalid student item, answer (not JSON-serialisable or more than ``Submission.MAXSIZE``
    characters of JSON), attempt number or date; ``SubmissionInternalError`` on a database error.
    """
    data = _submissions.create_submission(
        student_item_dict,
        answer,
        submitted_at=submitted_at,
        attempt_number=attempt_number,
        team_submission=team_submission,
        get_student_item=_get_or_create_student_item,
    )
    _log_submission(data, student_item_dict)
    return data


def create_external_grader_detail(
    student_item_dict: StudentItemDict,
    answer: Any,
    queue_name: str,
    queue_key: str | None,
    grader_file_name: str = "",
    points_possible: int | float = 1,
    **external_grader_additional_data: Any,
) -> ExternalGraderDetail:
    """
    Create a submission queued for an external grader and return the ``ExternalGraderDetail``
    model instance (see ``submissions.external_grader.queue``).
    """
    from submissions.external_grader.queue import create_external_grader_detail as _create

    return _create(
        student_item_dict,
        answer,
        queue_name,
        queue_key,
        grader_file_name=grader_file_name,
        points_possible=points_possible,
        **external_grader_additional_data,
    )


def get_files_for_grader(external_grader: ExternalGraderDetail) -> dict[str, str]:
    """``{original_filename: url}`` of the files of an ``ExternalGraderDetail``."""
    from submissions.external_grader.files import get_files_for_grader as _get_files

    return _get_files(external_grader)


def get_submission(submission_uuid: SubmissionUUID, read_replica: bool = False) -> SubmissionDict:
    """
    The submission dict of ``submission_uuid`` (str or UUID), cached under
    ``submissions.submission.<uuid>``.

    Raises ``SubmissionRequestError`` for an argument that is neither str nor UUID,
    ``SubmissionNotFoundError`` if there is no active submission, ``SubmissionInternalError``
    otherwise (a malformed uuid, a database error, an undecodable stored answer).
    """
    return _reads.get_submission(submission_uuid, read_replica=read_replica, load=_get_submission_model)


def get_submission_and_student(uuid: SubmissionUUID, read_replica: bool = False) -> dict[str, Any]:
    """The submission dict with ``student_item`` replaced by the student item dict."""
    return _reads.get_submission_and_student(uuid, read_replica=read_replica, load=_get_submission_model)


def get_submissions(student_item_dict: StudentItemLookup, limit: int | None = None) -> list[SubmissionDict]:
    """
    The active submission dicts of a student item, newest first, at most ``limit``.

    Never writes: an unknown student item gives ``[]``. ``SubmissionRequestError`` for an invalid
    dict; ``SubmissionStorageError`` (both internal and not-found) on a database error.
    """
    return _reads.get_submissions(student_item_dict, limit=limit)


def get_all_submissions(
    course_id: LookupId, item_id: LookupId, item_type: str, read_replica: bool = True
) -> Iterator[dict[str, Any]]:
    """Generator: the latest submission dict (plus ``student_id``) of every student of an item."""
    return _reads.get_all_submissions(course_id, item_id, item_type, read_replica=read_replica)


def get_all_course_submission_information(
    course_id: LookupId, item_type: str, read_replica: bool = True
) -> Iterator[tuple[StudentItemDict, SubmissionDict, ScoreDict | dict[str, Any]]]:
    """Generator of ``(student_item_dict, submission_dict, score_dict or {})`` for a course and item type."""
    return _reads.get_all_course_submission_information(course_id, item_type, read_replica=read_replica)


def get_top_submissions(
    course_id: LookupId,
    item_id: LookupId,
    item_type: str,
    number_of_top_scores: int,
    use_cache: bool = True,
    read_replica: bool = True,
) -> list[TopSubmissionDict]:
    """Up to ``number_of_top_scores`` (1..100) ``{"score", "content"}`` dicts, best latest score first."""
    return _reads.get_top_submissions(
        course_id, item_id, item_type, number_of_top_scores, use_cache=use_cache, read_replica=read_replica
    )


def get_student_ids_by_submission_uuid(
    course_id: LookupId, submission_uuids: list[SubmissionUUID], read_replica: bool = True
) -> dict[str, str]:
    """``{str(uuid): student_id}`` for the submissions of the course among ``submission_uuids``."""
    return _reads.get_student_ids_by_submission_uuid(course_id, submission_uuids, read_replica=read_replica)


# -- scores --


def get_score(student_item: StudentItemLookup) -> ScoreDict | None:
    """The latest score dict (with annotations) of a student item, or None."""
    return _scores.get_score(student_item)


def get_scores(course_id: LookupId, student_id: LookupId) -> dict[str, ScoreDict]:
    """``{item_id: score dict without annotations}`` of a learner's latest visible scores in a course."""
    return _scores.get_scores(course_id, student_id)


def get_latest_score_for_submission(submission_uuid: SubmissionUUID, read_replica: bool = False) -> ScoreDict | None:
    """The newest score dict of a submission, or None (no score, hidden score, unknown submission)."""
    return _scores.get_latest_score_for_submission(
        submission_uuid, read_replica=read_replica, load=_get_submission_model
    )


def get_latest_scores_for_submissions(
    submission_uuids: Iterable[SubmissionUUID | None], read_replica: bool = False
) -> dict[str, ScoreDict]:
    """
    ``{uuid: score dict}``: :func:`get_latest_score_for_submission` for many submissions in a constant number
    of queries (not in edx-submissions 4.x). Submissions without a visible score are left out.
    """
    return _scores.get_latest_scores_for_submissions(submission_uuids, read_replica=read_replica)


def reset_score(
    student_id: LookupId, course_id: LookupId, item_id: LookupId, clear_state: bool = False, emit_signal: bool = True
) -> None:
    """
    Reset the score of a student item (a 0/0 reset score); with ``clear_state`` also soft-delete its
    submissions. One transaction; ``score_reset`` is sent after the writes. No-op for an unknown item.
    """
    _scores.reset_score(student_id, course_id, item_id, clear_state=clear_state, emit_signal=emit_signal)


def set_score(
    submission_uuid: SubmissionUUID,
    points_earned: int,
    points_possible: int,
    annotation_creator: str | None = None,
    annotation_type: str | None = None,
    annotation_reason: str | None = None,
) -> None:
    """
    Record a score for a submission; sends ``score_set``.

    Invalid points (earned > possible, negative, None, bool, non-integral) raise
    ``ScoreValueError`` (a ``SubmissionRequestError`` and a ``SubmissionInternalError``) and write
    nothing. ``SubmissionNotFoundError`` for an unknown submission.
    """
    _scores.set_score(
        submission_uuid,
        points_earned,
        points_possible,
        annotation_creator,
        annotation_type,
        annotation_reason,
        load=_get_submission_model,
        log=_log_score,
    )


# -- private helpers (4.x names, patched by 4.x tests) --


def _get_or_create_student_item(student_item_dict: StudentItemDict) -> StudentItem:
    """The StudentItem of the dict, created if missing (validated; race-safe)."""
    return _student_items.get_or_create_student_item(student_item_dict)


def _use_read_replica(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``queryset`` on the ``read_replica`` database alias when it is configured."""
    return _lookup.use_read_replica(queryset)


def _get_submission_model(uuid: SubmissionUUID, read_replica: bool = False) -> Submission:
    """The active Submission model of ``uuid`` (legacy hyphenated uuids found read-only)."""
    return _lookup.get_submission_model(uuid, read_replica=read_replica)


def _log_submission(submission: SubmissionDict, student_item: Mapping[str, Any]) -> None:
    """Log the creation of a submission (``submission`` is the dict, ``student_item`` the item dict)."""
    _submissions.log_submission(submission, student_item)


def _log_score(score: Score) -> None:
    """Log the creation of a score (``score`` is the Score model)."""
    _scores.log_score(score)
