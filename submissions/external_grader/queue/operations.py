"""Operator and instructor operations on grader rows: requeue, release, retire, fail, regrade."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import Q
from django.utils.timezone import now

from submissions.conf import app_settings
from submissions.errors import ExternalGraderNotFoundError, SubmissionNotFoundError, SubmissionRequestError
from submissions.external_grader.models import ExternalGraderDetail
from submissions.external_grader.queue._common import at_attempt_cap, db_alias, fail_row, lock_of_self, move
from submissions.external_grader.states import UNFINISHED, Status

if TYPE_CHECKING:
    from collections.abc import Iterable

    from submissions.types import SubmissionUUID

__all__ = ["StaleRequeued", "requeue_stale", "requeue_failed", "retire", "fail", "regrade", "purge_finished"]

logger = logging.getLogger("submissions.external_grader.queue")

_BATCH = 500


class StaleRequeued(TypedDict):
    """What :func:`requeue_stale` did: rows released to ``pending``, rows failed at the attempt cap."""

    released: int
    failed: int


def _locked(filter_q: Q, limit: int | None = None) -> list[ExternalGraderDetail]:
    rows = ExternalGraderDetail.objects.select_for_update(**lock_of_self()).filter(filter_q).order_by("pk")
    return list(rows[:limit] if limit else rows)


def requeue_stale(
    older_than: float | None = None,
    queue_name: str | None = None,
    limit: int | None = None,
    ids: Iterable[int] | None = None,
) -> StaleRequeued:
    """
    Release ``pulled`` rows whose grader has been silent for ``older_than`` seconds (default: the
    processing delay) back to ``pending``, clearing their key; rows at the attempt cap fail with the
    notice instead. Returns ``{"released": n, "failed": m}``.

    ``pull`` already re-serves stale rows by itself; this is for operators who want them out of
    ``pulled`` at once (e.g. after a grader outage).
    """
    seconds = app_settings.processing_delay_seconds if older_than is None else older_than
    cut = now() - datetime.timedelta(seconds=seconds)
    condition = Q(status=Status.PULLED, status_time__lte=cut)
    if queue_name:
        condition &= Q(queue_name=queue_name)
    if ids is not None:
        condition &= Q(pk__in=list(ids))
    released = failed = 0
    with transaction.atomic(using=db_alias()):
        for row in _locked(condition, limit):
            if at_attempt_cap(row):
                fail_row(row, "stale at the attempt cap", cause="attempts")
                failed += 1
            else:
                move(row, "release")
                released += 1
    logger.info("requeue_stale: %d released, %d failed", released, failed)
    return {"released": released, "failed": failed}


def requeue_failed(ids: Iterable[int] | None = None, queue_name: str | None = None, limit: int | None = None) -> int:
    """
    Move ``failed`` rows (all, or the grader row ids given, or one queue's) back to ``pending`` with
    their counters reset. Returns the number of rows requeued.
    """
    condition = Q(status=Status.FAILED)
    if ids is not None:
        condition &= Q(pk__in=list(ids))
    if queue_name:
        condition &= Q(queue_name=queue_name)
    with transaction.atomic(using=db_alias()):
        rows = _locked(condition, limit)
        for row in rows:
            move(row, "requeue")
    logger.info("requeue_failed: %d rows back to pending", len(rows))
    return len(rows)


def _selection(
    ids: Iterable[int] | None, queue_name: str | None, older_than: float | None, statuses: Iterable[str]
) -> Q:
    condition = Q(status__in=list(statuses))
    if ids is not None:
        condition &= Q(pk__in=list(ids))
    if queue_name:
        condition &= Q(queue_name=queue_name)
    if older_than is not None:
        condition &= Q(created_at__lte=now() - datetime.timedelta(seconds=older_than))
    return condition


def retire(
    ids: Iterable[int] | None = None,
    queue_name: str | None = None,
    older_than: float | None = None,
    notice: bool = True,
    limit: int | None = None,
) -> int:
    """
    Retire unfinished rows (by grader row ids, queue, and/or created more than ``older_than``
    seconds ago). With ``notice`` (and ``FAILURE_NOTICE``) each learner gets the "could not be
    graded" event. At least one filter is required. Returns the number of rows retired.
    """
    if ids is None and not queue_name and older_than is None:
        raise SubmissionRequestError("retire() needs ids, a queue name or an age", field_errors={"ids": "missing"})
    from submissions.external_grader.events import record_score_event
    from submissions.external_grader.queue._common import ensure_related, failure_message
    from submissions.models import ScoreEventDelivery

    count = 0
    with transaction.atomic(using=db_alias()):
        for row in _locked(_selection(ids, queue_name, older_than, UNFINISHED), limit):
            move(row, "retire")
            if notice and app_settings.FAILURE_NOTICE:
                ensure_related(row)
                record_score_event(row, 0, failure_message(), kind=ScoreEventDelivery.Kind.FAILURE)
            count += 1
    logger.info("retire: %d rows retired (notice=%s)", count, notice)
    return count


def fail(detail_id: int, reason: str = "failed by an operator", notice: bool = True) -> ExternalGraderDetail:
    """
    Fail one unfinished grader row (by its id) with the failure notice and the
    ``external_grader_failed`` signal. Raises ``ExternalGraderNotFoundError`` and
    ``InvalidTransitionError`` (a finished row).
    """
    with transaction.atomic(using=db_alias()):
        row = ExternalGraderDetail.objects.select_for_update(**lock_of_self()).filter(pk=detail_id).first()
        if row is None:
            raise ExternalGraderNotFoundError(f"No grader row {detail_id}")
        fail_row(row, reason, cause="operator", notice=notice)
    return row


def regrade(submission_uuid: SubmissionUUID, *, only_if_higher: bool = False) -> ExternalGraderDetail:
    """
    Send a submission to its grader again (the instructor API's rescore).

    A finished row (``retired`` or ``failed``) goes back to ``pending`` by the ``regrade`` transition
    with fresh counters and no key (ADR 0006); an unfinished row stays in line, only its
    ``only_if_higher`` flag is updated. With ``only_if_higher`` the new grade is recorded only if it
    is not lower than the item's highest score. Raises ``SubmissionNotFoundError`` (unknown uuid)
    and ``ExternalGraderNotFoundError`` (no grader row).
    """
    from submissions.models import Submission

    try:
        submission = Submission._objects.filter(uuid=submission_uuid).values_list("pk", flat=True).first()
    except (ValueError, TypeError) as exc:
        raise SubmissionRequestError(f"Invalid submission uuid {submission_uuid!r}") from exc
    except Exception as exc:  # ValidationError of a malformed uuid
        raise SubmissionRequestError(f"Invalid submission uuid {submission_uuid!r}") from exc
    if submission is None:
        raise SubmissionNotFoundError(f"No submission matching uuid {submission_uuid}")
    with transaction.atomic(using=db_alias()):
        row = ExternalGraderDetail.objects.select_for_update(**lock_of_self()).filter(submission_id=submission).first()
        if row is None:
            raise ExternalGraderNotFoundError(f"Submission {submission_uuid} has no grader row")
        if row.status in (Status.RETIRED, Status.FAILED):
            move(row, "regrade", only_if_higher=bool(only_if_higher))
        else:
            row.only_if_higher = bool(only_if_higher)
            row.save(update_fields=["only_if_higher"])
    logger.info("Regrade of submission %s queued (only_if_higher=%s)", row.submission_id, only_if_higher)
    return row


def purge_finished(
    older_than_days: float, queue_name: str | None = None, dry_run: bool = False, batch_size: int = _BATCH
) -> int:
    """
    Delete ``retired`` and ``failed`` grader rows created more than ``older_than_days`` days ago,
    with their files (blobs after each batch commits). Submissions and scores are kept; outbox rows
    keep their payload. Returns the number of rows (that would be) deleted.
    """
    condition = Q(
        status__in=[Status.RETIRED, Status.FAILED], created_at__lte=now() - datetime.timedelta(days=older_than_days)
    )
    if queue_name:
        condition &= Q(queue_name=queue_name)
    selection = ExternalGraderDetail.objects.filter(condition)
    if dry_run:
        return selection.count()
    total = 0
    while True:
        with transaction.atomic(using=db_alias()):
            ids = list(selection.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            ExternalGraderDetail.objects.filter(pk__in=ids).delete()
            total += len(ids)
    logger.info("purge_finished: %d grader rows deleted", total)
    return total
