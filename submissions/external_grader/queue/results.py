"""Recording a grader's reply: ``put_result``."""

from __future__ import annotations

import dataclasses
import decimal
import hmac
import json
import logging
import math
import time
from typing import Any, TypeAlias

from django.db import DatabaseError, OperationalError, transaction

from submissions import bounded_json, metrics
from submissions.db import grader as grader_sql
from submissions.db.errors import is_lock_refusal
from submissions.db.execution import batched_writes
from submissions.db.grader import LockedReply
from submissions.errors import (
    ExternalGraderBusyError,
    ExternalGraderNotFoundError,
    ExternalGraderRetiredError,
    GraderReplyError,
    IncorrectPullKeyError,
    LateGraderReplyError,
    SubmissionError,
    SubmissionInternalError,
)
from submissions.external_grader.events import record_score_event
from submissions.external_grader.models import ExternalGraderDetail
from submissions.external_grader.queue._common import (
    at_attempt_cap,
    db_alias,
    ensure_related,
    fail_row,
    features,
    lock_of_self,
    move,
)
from submissions.external_grader.states import Status
from submissions.models import ScoreSummary
from submissions.services.scores import score_of

__all__ = ["PutResultOutcome", "GraderReply", "RawReply", "parse_reply", "scaled_points", "put_result"]

logger = logging.getLogger("submissions.external_grader.queue")

#: A grader's reply as :func:`parse_reply` and :func:`put_result` take it: the ``xqueue_body`` text, or its JSON
#: object already decoded.
RawReply: TypeAlias = str | bytes | bytearray | dict[str, Any]


@dataclasses.dataclass(frozen=True)
class GraderReply:
    """A validated reply: ``raw`` is the exact text stored and sent as ``score_msg``."""

    raw: str
    correct: object
    score: float
    msg: object


@dataclasses.dataclass(frozen=True)
class PutResultOutcome:
    """What ``put_result`` did."""

    submission_id: int
    duplicate: bool
    points_earned: int
    points_possible: int
    #: False when nothing was written: a duplicate, or a lower score on an ``only_if_higher`` row.
    score_recorded: bool = True


def parse_reply(reply: RawReply) -> GraderReply:
    """
    Validate a grader reply: the raw ``xqueue_body`` text (str or bytes; parsed within
    :mod:`~submissions.bounded_json`'s limits), or an already decoded dict (stored as its JSON). It must be a
    JSON object with ``correct``, ``msg`` and a numeric ``score`` in 0..1. Raises ``GraderReplyError``.
    """
    if isinstance(reply, (bytes, bytearray)):
        try:
            reply = reply.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise GraderReplyError("Incorrect reply format", field_errors={"xqueue_body": "not UTF-8"}) from exc
    if isinstance(reply, dict):
        raw, body = json.dumps(reply), reply
    elif isinstance(reply, str):
        raw = reply
        try:
            body = bounded_json.loads(reply)
        except bounded_json.JSONLimitError as exc:
            raise GraderReplyError("Incorrect reply format", field_errors={"xqueue_body": str(exc)}) from exc
        except ValueError as exc:
            raise GraderReplyError("Incorrect reply format", field_errors={"xqueue_body": "not JSON"}) from exc
    else:
        raise GraderReplyError("Incorrect reply format", field_errors={"xqueue_body": "not text"})
    if not isinstance(body, dict):
        raise GraderReplyError("Incorrect reply format", field_errors={"xqueue_body": "not a JSON object"})
    missing = [key for key in ("correct", "score", "msg") if key not in body]
    if missing:
        raise GraderReplyError("Incorrect reply format", field_errors={"xqueue_body": f"missing {', '.join(missing)}"})
    score = body["score"]
    # An int is finite however large: math.isfinite() would overflow converting one beyond 1e308 to a float.
    finite = isinstance(score, int) or (isinstance(score, float) and math.isfinite(score))
    if isinstance(score, bool) or not finite:
        raise GraderReplyError("Incorrect reply format", field_errors={"score": "not a number"})
    if not 0 <= score <= 1:
        raise GraderReplyError("Incorrect reply format", field_errors={"score": "outside 0..1"})
    return GraderReply(raw=raw, correct=body["correct"], score=score, msg=body["msg"])


def scaled_points(score: float, points_possible: int) -> int:
    """``round_half_up(score * points_possible)`` as an int (decimal arithmetic, no float ties)."""
    product = decimal.Decimal(repr(float(score))) * int(points_possible)
    return int(product.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))


def _as_submission_id(submission_id: int | str) -> int:
    try:
        return int(submission_id)
    except (TypeError, ValueError) as exc:
        raise GraderReplyError("Incorrect reply format", field_errors={"submission_id": "not an integer"}) from exc


class _RowBusy(Exception):
    """The grader row's lock is held by another transaction (a NOWAIT refusal)."""


def _lock_row(submission_id: int) -> LockedReply | None:
    """
    The grader row of ``submission_id`` locked ``NOWAIT`` (raises :class:`_RowBusy` when another
    transaction holds it), with its submission and student item, as a :class:`LockedReply`; None when
    there is no row. Inside the caller's transaction, which a refusal aborts: the caller retries with a
    new one.
    """
    alias = db_alias()
    try:
        if grader_sql.enabled(alias):
            # One statement: grader row (NOWAIT), submission, student item (locked, waiting), a score id.
            return grader_sql.lock_for_reply(alias, submission_id)
        rows = ExternalGraderDetail.objects.select_for_update(nowait=True, **lock_of_self())
        if lock_of_self() or not features().has_select_for_update:
            # Only the grader row is locked (FOR UPDATE OF, or no row locks at all): the
            # submission and student item come in the same statement.
            rows = rows.select_related("submission__student_item")
        row = rows.filter(submission_id=submission_id).first()
        return None if row is None else LockedReply(row)
    except OperationalError as exc:
        if is_lock_refusal(exc):
            raise _RowBusy from exc
        raise


# A puller's short transaction may hold the row for a few milliseconds (its SKIP LOCKED scan can lock
# a row it then finds ineligible); a reply is refused as busy only when the row stays locked for about
# half a second (e.g. another reply being recorded).
_LOCK_RETRY_DELAYS = (0, 0.01, 0.02, 0.04, 0.08, 0.15, 0.2)


def _check_key(row: ExternalGraderDetail, pull_key: str, reply: GraderReply) -> bool:
    """Raise the typed error for a reply the row cannot accept; True for an exact duplicate."""
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a grader may send any text).
    key_matches = (
        bool(pull_key) and bool(row.pullkey) and hmac.compare_digest(str(row.pullkey).encode(), str(pull_key).encode())
    )
    if row.status == Status.RETIRED:
        if row.grader_reply is None:
            raise LateGraderReplyError("Incorrect key for submission")  # superseded or cancelled, never graded
        if key_matches and row.grader_reply == reply.raw:
            return True
        if key_matches:
            raise ExternalGraderRetiredError("Incorrect key for submission")
        raise LateGraderReplyError("Incorrect key for submission")
    if row.status != Status.PULLED:
        raise IncorrectPullKeyError("Incorrect key for submission")
    if not key_matches:
        if (row.num_attempts or 0) > 1:
            raise LateGraderReplyError("Incorrect key for submission")
        raise IncorrectPullKeyError("Incorrect key for submission")
    return False


def _is_lower_than_recorded(row: ExternalGraderDetail, points_earned: int) -> bool:
    """For ``only_if_higher`` rows: whether the item's highest visible score beats this one."""
    summary = (
        ScoreSummary.objects.select_related("highest").filter(student_item_id=row.submission.student_item_id).first()
    )
    if summary is None or summary.highest.is_hidden() or not row.points_possible:
        return False
    return summary.highest.to_float() > points_earned / row.points_possible


def _record(locked: LockedReply, reply: GraderReply, points_earned: int) -> bool:
    """Write the score, the reply, the retirement and the outbox row. Returns whether a score was written."""
    row = ensure_related(locked.row)
    recorded = not (row.only_if_higher and _is_lower_than_recorded(row, points_earned))
    if recorded:
        score_of(
            row.submission, points_earned, row.points_possible, item_locked=locked.item_locked, score_id=locked.score_id
        )
    move(row, "retire", grader_reply=reply.raw)
    if recorded:
        record_score_event(row, points_earned, reply.raw)
    return recorded


def put_result(submission_id: int, pull_key: str, reply: RawReply) -> PutResultOutcome:
    """
    Record a grader's reply for the row of ``submission_id`` handed out with ``pull_key``.

    ``reply`` is the raw ``xqueue_body`` text (what is stored and sent as ``score_msg``) or a
    decoded dict. On acceptance, in one transaction: ``points_earned = round_half_up(score ×
    points_possible)``, ``submissions.api.set_score`` (skipped for a lower score on an
    ``only_if_higher`` row), the raw reply stored, the row retired, the score event written to the
    outbox and delivered after commit.

    Raises ``GraderReplyError`` (malformed), ``ExternalGraderNotFoundError``,
    ``ExternalGraderBusyError`` (row locked), ``IncorrectPullKeyError`` and its subclasses
    ``LateGraderReplyError`` / ``ExternalGraderRetiredError`` (nothing written), and
    ``SubmissionInternalError`` when recording failed: the row then counts a failure and waits in
    ``retry`` (or fails with the notice at the attempt cap). An exact repeat of the accepted reply
    returns ``duplicate=True`` and writes nothing.
    """
    try:
        return _put_result(submission_id, pull_key, reply)
    except SubmissionError as exc:
        metrics.record.reply_refused(exc)
        raise


def _put_result(submission_id: int, pull_key: str, reply: RawReply) -> PutResultOutcome:
    parsed = parse_reply(reply)
    if not pull_key or not isinstance(pull_key, str):
        raise GraderReplyError("Incorrect reply format", field_errors={"submission_key": "missing"})
    submission_id = _as_submission_id(submission_id)
    for delay in _LOCK_RETRY_DELAYS:
        if delay:
            time.sleep(delay)
        try:
            return _accept(submission_id, pull_key, parsed)
        except _RowBusy as exc:
            busy = exc
        except _RecordingFailed as failed:
            _count_failure(failed.row_pk, pull_key, failed.__cause__)
            cause = failed.__cause__
            if isinstance(cause, DatabaseError):
                raise SubmissionInternalError(f"Could not record the grade: {cause}") from cause
            raise SubmissionInternalError(f"Could not record the grade: {cause!r}") from cause
    raise ExternalGraderBusyError("Submission is currently being processed") from busy.__cause__


class _RecordingFailed(Exception):
    """Recording an accepted reply failed (the cause is chained); its transaction was rolled back."""

    def __init__(self, row_pk: int) -> None:
        super().__init__(row_pk)
        self.row_pk = row_pk


def _accept(submission_id: int, pull_key: str, parsed: GraderReply) -> PutResultOutcome:
    """
    One attempt of :func:`put_result`, in one transaction without savepoints: lock, check the key,
    record. Any failure while recording raises :class:`_RecordingFailed` and rolls everything back.
    The writes nobody reads back (summary, grader row) travel with the outbox row's insert
    (``db.execution.batched_writes``).
    """
    alias = db_alias()
    with transaction.atomic(using=alias), batched_writes(alias):
        locked = _lock_row(submission_id)
        if locked is None:
            raise ExternalGraderNotFoundError("Submission does not exist")
        row = locked.row
        points_possible = row.points_possible
        points_earned = scaled_points(parsed.score, points_possible)
        if _check_key(row, pull_key, parsed):
            logger.info("Duplicate reply for submission %s ignored", row.submission_id)
            metrics.record.reply(row.queue_name, "duplicate")
            return PutResultOutcome(row.submission_id, True, points_earned, points_possible, score_recorded=False)
        handed_out_at = row.status_time
        try:
            recorded = _record(locked, parsed, points_earned)
        except Exception as exc:  # a boundary: any failure while recording is counted, never reported as success
            logger.exception("Recording the reply for submission %s failed", row.submission_id)
            raise _RecordingFailed(row.pk) from exc
    # The retirement stamped status_time: the reply's moment.
    latency = (row.status_time - handed_out_at).total_seconds()
    metrics.record.reply(row.queue_name, "recorded" if recorded else "not_higher", latency)
    logger.info(
        "Recorded %s/%s for submission %s%s",
        points_earned,
        points_possible,
        row.submission_id,
        "" if recorded else " (lower than the recorded score: not written)",
    )
    return PutResultOutcome(row.submission_id, False, points_earned, points_possible, score_recorded=recorded)


def _count_failure(row_pk: int, pull_key: str, error: BaseException | None) -> None:
    """
    After a failed recording (rolled back): in a new transaction, the row, if it still waits for this
    reply (pulled, same key), counts a failure and waits in ``retry``, or fails with its notice at the
    attempt cap.
    """
    with transaction.atomic(using=db_alias()):
        row = ExternalGraderDetail.objects.select_for_update(**lock_of_self()).filter(pk=row_pk).first()
        if row is None or row.status != Status.PULLED or row.pullkey != pull_key:
            return  # answered, retired or handed out again meanwhile: nothing to count
        if at_attempt_cap(row):
            fail_row(row, f"recording the grade failed: {error!r}", cause="recording")
            return
        move(row, "defer")
    metrics.record.failure(row.queue_name, "recording", "retry")
