"""Creating grader work: ``create_external_grader_detail`` (as the LMS calls it) and cancelling it."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction

from submissions.conf import app_settings
from submissions.errors import (
    ExternalGraderQueueEmptyError,
    SubmissionError,
    SubmissionInternalError,
    SubmissionRequestError,
    UnknownQueueError,
)
from submissions.external_grader.files import SubmissionFileManager, delete_blobs
from submissions.external_grader.models import ExternalGraderDetail
from submissions.external_grader.queue._common import db_alias, lock_of_self, move
from submissions.external_grader.states import UNFINISHED
from submissions.services.submissions import create_submission, log_submission

if TYPE_CHECKING:
    from submissions.models import Submission
    from submissions.types import StudentItemDict, StudentItemLookup, SubmissionDict

__all__ = ["create_external_grader_detail", "cancel_unfinished"]

logger = logging.getLogger("submissions.external_grader.queue")

_MAX_CHARS = 128


def _as_text(name: str, value: object) -> str | None:
    """``grader_payload``/``student_info`` are stored verbatim; a dict or list is stored as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    raise SubmissionRequestError(f"{name} must be text", field_errors={name: "must be a string"})


def _validate(queue_name: object, queue_key: object, grader_file_name: object, points_possible: object) -> None:
    if not queue_name:
        raise ExternalGraderQueueEmptyError("queue_name is required for an external grader submission")
    errors: dict[str, str] = {}
    if not isinstance(queue_name, str) or len(queue_name) > _MAX_CHARS:
        errors["queue_name"] = f"must be a string of at most {_MAX_CHARS} characters"
    if queue_key is not None and (not isinstance(queue_key, str) or len(queue_key) > _MAX_CHARS):
        errors["queue_key"] = f"must be None or a string of at most {_MAX_CHARS} characters"
    if not isinstance(grader_file_name, str) or len(grader_file_name) > _MAX_CHARS:
        errors["grader_file_name"] = f"must be a string of at most {_MAX_CHARS} characters"
    if isinstance(points_possible, bool) or not isinstance(points_possible, int) or points_possible < 0:
        errors["points_possible"] = "must be a non-negative integer"
    if errors:
        raise SubmissionRequestError("Invalid external grader submission", field_errors=errors)
    registry = app_settings.QUEUES
    if registry is not None and queue_name not in registry:
        raise UnknownQueueError(queue_name)


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
    Create a submission and its grader row (``pending``), with its files, in one transaction.

    Optional kwargs: ``files`` (``{file name: bytes | File | object with .file}``),
    ``grader_payload`` and ``student_info`` (text forwarded verbatim to the grader); others are
    ignored, as in edx-submissions 4.x. With ``INVALIDATE_PRIOR_ATTEMPTS`` the student item's
    earlier unfinished rows are retired (their late replies are rejected). ``points_possible`` may be an
    integral float (a block's ``max_score()`` of 2.0).

    Raises ``ExternalGraderQueueEmptyError``, ``UnknownQueueError`` (when ``QUEUES`` is set),
    ``SubmissionRequestError`` (invalid item, answer, arguments or files, naming the limit),
    ``InvalidFileTypeError``, ``FileProcessingError``, ``SubmissionInternalError`` (database). On
    any error nothing is left behind: no rows, no stored blobs.
    """
    extra = external_grader_additional_data
    if isinstance(queue_key, int) and not isinstance(queue_key, bool):
        queue_key = str(queue_key)
    if isinstance(points_possible, float) and points_possible.is_integer():
        points_possible = int(points_possible)  # e.g. a block's max_score() of 2.0
    _validate(queue_name, queue_key, grader_file_name, points_possible)
    grader_payload = _as_text("grader_payload", extra.get("grader_payload"))
    student_info = _as_text("student_info", extra.get("student_info"))
    prepared = SubmissionFileManager.prepare(extra.get("files"))

    stored: list[str] = []
    try:
        with transaction.atomic(using=db_alias()):
            submission = create_submission(student_item_dict, answer)
            log_submission(submission, student_item_dict)
            detail = ExternalGraderDetail(
                submission_id=_submission_pk(submission),
                queue_name=queue_name,
                queue_key=queue_key,
                grader_file_name=grader_file_name,
                points_possible=points_possible,
                grader_payload=grader_payload,
                student_info=student_info,
            )
            detail.save()
            if app_settings.INVALIDATE_PRIOR_ATTEMPTS:
                _retire_prior(detail)
            SubmissionFileManager(detail).store(prepared, stored)
    except DatabaseError as exc:
        delete_blobs(stored)
        logger.exception("Could not create the grader row of queue %s", queue_name)
        raise SubmissionInternalError(f"Could not create the external grader submission: {exc}") from exc
    except BaseException:
        delete_blobs(stored)
        raise
    logger.info(
        "Created grader row for submission %s in queue %s (%d files)", detail.submission_id, queue_name, len(stored)
    )
    return detail


def _submission_pk(submission: Submission | SubmissionDict) -> int:
    """The pk of the submission ``create_submission`` returned (a dict with its uuid)."""
    from submissions.models import Submission

    if isinstance(submission, Submission):
        return submission.pk
    pk = Submission._objects.filter(uuid=submission["uuid"]).values_list("pk", flat=True).first()
    if pk is None:
        raise SubmissionError(f"Submission {submission['uuid']} vanished while creating its grader row")
    return pk


def _retire_prior(detail: ExternalGraderDetail) -> int:
    """Retire the student item's earlier unfinished rows (superseded by ``detail``)."""
    prior = list(
        ExternalGraderDetail.objects.select_for_update(**lock_of_self())
        .filter(submission__student_item_id=detail.submission.student_item_id, status__in=UNFINISHED)
        .exclude(pk=detail.pk)
        .order_by("pk")
    )
    for row in prior:
        move(row, "retire")
    if prior:
        logger.info("Retired %d earlier grader rows superseded by submission %s", len(prior), detail.submission_id)
    return len(prior)


def cancel_unfinished(student_item_dict: StudentItemLookup) -> int:
    """
    Retire, without any notice, the unfinished grader rows of a student item (e.g. when the
    learner's state is deleted). Returns the number of rows retired; 0 for an unknown item.
    """
    from submissions.models import StudentItem

    if not isinstance(student_item_dict, dict):
        raise SubmissionRequestError("student_item_dict must be a dict", field_errors={"student_item": "not a dict"})
    with transaction.atomic(using=db_alias()):
        item_ids = list(
            StudentItem.objects.filter(
                student_id=student_item_dict.get("student_id"),
                course_id=student_item_dict.get("course_id"),
                item_id=student_item_dict.get("item_id"),
            ).values_list("pk", flat=True)
        )
        rows = list(
            ExternalGraderDetail.objects.select_for_update(**lock_of_self())
            .filter(submission__student_item_id__in=item_ids, status__in=UNFINISHED)
            .order_by("pk")
        )
        for row in rows:
            move(row, "retire")
    if rows:
        logger.info("Cancelled %d unfinished grader rows of student item %s", len(rows), item_ids)
    return len(rows)
