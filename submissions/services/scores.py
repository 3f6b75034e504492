"""
Scores: setting, resetting and reading them.

Writes lock the student item row first, then insert the Score (whose ``post_save`` receiver
updates the ScoreSummary under that same lock), then send the Django signal, all inside one
transaction: a score is stored with its summary and its signal, or an error is raised and nothing
is stored. Signals stay synchronous (receivers run inside the caller's transaction), as in 4.x.
"""

import functools
import logging
import operator

from django.db import DatabaseError, router, transaction
from django.db.models import Max

from submissions.db.rows import insert_row
from submissions.errors import SubmissionInternalError, SubmissionNotFoundError, SubmissionRequestError
from submissions.models import DELETED, Score, ScoreAnnotation, ScoreSummary, StudentItem, Submission
from submissions.serializers import ScoreSerializer, UnannotatedScoreSerializer
from submissions.services.lookup import (
    cache_delete_many,
    get_submission_model,
    has_legacy_uuids,
    legacy_uuid_q,
    replica_alias,
)
from submissions.services.student_items import lock_and_get_student_item, lock_student_item
from submissions.services.summary import record_in_summary
from submissions.services.validation import (
    STUDENT_ITEM_KEYS,
    coerce_lookup_key,
    parse_uuid_list,
    validate_annotation,
    validate_points,
)
from submissions.signals import score_reset, score_set

__all__ = [
    "set_score",
    "write_score",
    "score_of",
    "log_score",
    "reset_score",
    "get_score",
    "get_scores",
    "get_latest_score_for_submission",
    "get_latest_scores_for_submissions",
]

logger = logging.getLogger(__name__)

#: Submissions looked up per round trip by :func:`get_latest_scores_for_submissions`.
SCORE_READ_CHUNK = 1000


def log_score(score):
    """Log the creation of a score (``score`` is the Score model), on the 4.x logger ``submissions.api``."""
    logging.getLogger("submissions.api").info(
        "Score of (%s/%s) set for submission %s", score.points_earned, score.points_possible, score.submission_uuid
    )


def set_score(
    submission_uuid,
    points_earned,
    points_possible,
    annotation_creator=None,
    annotation_type=None,
    annotation_reason=None,
    *,
    load=get_submission_model,
    log=None,
):
    """
    Record a score for a submission and return the saved Score.

    Points and annotation are validated before anything is read or written
    (:class:`~submissions.errors.ScoreValueError`). ``score_set`` is sent with the validated int
    points. ``load``/``log`` are the hooks ``submissions.api`` passes (its ``_get_submission_model``
    and ``_log_score``).
    """
    earned, possible = validate_points(points_earned, points_possible)
    annotation = validate_annotation(annotation_creator, annotation_type, annotation_reason)
    try:
        submission = load(submission_uuid)
    except Submission.DoesNotExist as exc:
        raise SubmissionNotFoundError(f"No submission matching uuid {submission_uuid}") from exc
    except (TypeError, ValueError) as exc:
        raise SubmissionNotFoundError(f"No submission matching uuid {submission_uuid!r}: {exc}") from exc
    except DatabaseError as exc:
        logger.exception("Could not read submission %s to score it", submission_uuid)
        raise SubmissionInternalError(f"Could not retrieve submission {submission_uuid}.") from exc

    return write_score(submission, earned, possible, annotation, log=log)


def score_of(submission, points_earned, points_possible, *, item_locked=False, score_id=None):
    """
    :func:`set_score` for an already loaded Submission (the grader queue's): the same validation, log line,
    summary update and ``score_set`` signal, without reading the submission again by uuid, and without a
    savepoint (the caller's block rolls back as a whole on any failure). ``item_locked`` and ``score_id``:
    as :func:`write_score`.
    """
    earned, possible = validate_points(points_earned, points_possible)
    if submission.status == DELETED:  # set_score only finds active submissions
        raise SubmissionNotFoundError(f"No submission matching uuid {submission.uuid}")
    return write_score(
        submission, earned, possible, log=log_score, savepoint=False, item_locked=item_locked, score_id=score_id
    )


def write_score(
    submission, earned, possible, annotation=None, *, log=None, savepoint=True, item_locked=False, score_id=None
):
    """
    Store a Score of ``submission`` (a loaded Submission) with already validated int points and
    annotation (``validate_points`` / ``validate_annotation``), update the summary, send
    ``score_set``; in one transaction. Internal: callers that already hold the submission (the grader
    queue) use it to skip the lookup by uuid. ``savepoint=False`` for callers whose own block already
    rolls back as a whole on any failure (no savepoint round trips).

    The student item is locked and read in one statement (``item_locked``: the caller already locked
    it, in this transaction, and loaded it as ``submission.student_item``); the summary update runs
    under that lock without taking it again. ``score_id``: an
    id the caller took from the Score sequence (``db.rows.id_sequence``); the INSERT then needs
    no answer and travels with the next statement.
    """
    try:
        with transaction.atomic(savepoint=savepoint):
            if item_locked:
                student_item = submission.student_item
            else:
                student_item = lock_and_get_student_item(submission.student_item_id)
            score = Score(
                pk=score_id,
                student_item=student_item,
                submission=submission,
                points_earned=earned,
                points_possible=possible,
            )
            _insert_score(score)
            if annotation is not None:
                creator, kind, reason = annotation
                ScoreAnnotation.objects.create(score=score, creator=creator, annotation_type=kind, reason=reason)
            if log is not None:
                log(score)
            score_set.send(
                sender=None,
                points_possible=possible,
                points_earned=earned,
                anonymous_user_id=student_item.student_id,
                course_id=student_item.course_id,
                item_id=student_item.item_id,
                created_at=score.created_at,
            )
    except DatabaseError as exc:
        logger.exception("Could not save the score of submission %s", submission.uuid)
        raise SubmissionInternalError(f"Could not save the score of submission {submission.uuid}: {exc}") from exc
    return score


def _insert_score(score):
    """
    Insert a new Score and record it in the summary: ``score.save()``, whose ``post_save`` receiver
    (``receivers.update_score_summary``) does the summary, unless that receiver is the only one
    listening; then one hand-written INSERT (``db.rows.insert_row``) and the summary update called
    here, under the student item lock the caller holds.
    """
    from submissions.receivers import update_score_summary

    using = router.db_for_write(Score, instance=score)
    if not insert_row(score, using, receivers_besides=(update_score_summary,)):
        record_in_summary(score, item_locked=True)


def reset_score(student_id, course_id, item_id, clear_state=False, emit_signal=True):
    """
    Write a reset score (0/0) for the student item; with ``clear_state`` soft-delete all of its
    submissions (and drop their cache entries). Then send ``score_reset`` (if ``emit_signal``).

    All of it happens in one transaction, the signal last. No-op when the student item does not
    exist. Returns the reset Score or None.
    """
    student_id = coerce_lookup_key("student_id", student_id, allow_blank=False)
    course_id = coerce_lookup_key("course_id", course_id, allow_blank=False)
    item_id = coerce_lookup_key("item_id", item_id, allow_blank=False)
    try:
        with transaction.atomic():
            student_item_pk = (
                StudentItem.objects.filter(student_id=student_id, course_id=course_id, item_id=item_id)
                .values_list("pk", flat=True)
                .first()
            )
            if student_item_pk is None:
                return None
            lock_student_item(student_item_pk)
            student_item = StudentItem.objects.get(pk=student_item_pk)
            score = Score.create_reset_score(student_item)
            cache_keys = []
            if clear_state:
                active = Submission.objects.filter(student_item=student_item)
                cache_keys = [Submission.get_cache_key(uuid) for uuid in active.values_list("uuid", flat=True)]
                active.update(status=DELETED)
                cache_delete_many(cache_keys)
                transaction.on_commit(lambda: cache_delete_many(cache_keys))
            if emit_signal:
                score_reset.send(
                    sender=None,
                    anonymous_user_id=student_id,
                    course_id=course_id,
                    item_id=item_id,
                    created_at=score.created_at,
                )
    except DatabaseError as exc:
        logger.exception("Could not reset the score of %s / %s / %s", student_id, course_id, item_id)
        raise SubmissionInternalError(
            f"Error occurred while resetting scores for item {item_id} in course {course_id} for student {student_id}"
        ) from exc
    logger.info("Score reset for item %s in course %s for student %s", item_id, course_id, student_id)
    return score


def _validate_score_lookup(student_item):
    """The filter kwargs for ``get_score``'s dict, or ``SubmissionRequestError``."""
    if not isinstance(student_item, dict):
        raise SubmissionRequestError(
            "The student item must be a dict",
            field_errors={"student_item": [f"Expected a dict, got {type(student_item).__name__}."]},
        )
    errors = {str(key): ["Unknown field."] for key in student_item if key not in STUDENT_ITEM_KEYS}
    for key in ("student_id", "course_id", "item_id"):
        if key not in student_item:
            errors[key] = ["This field is required."]
    for key in STUDENT_ITEM_KEYS:
        if key in student_item and not isinstance(student_item[key], str | None):
            errors[key] = [f"Must be a string, not {type(student_item[key]).__name__}."]
    if errors:
        raise SubmissionRequestError("Invalid student item", field_errors=errors)
    return {key: student_item[key] for key in STUDENT_ITEM_KEYS if key in student_item}


def get_score(student_item):
    """
    The latest score dict (annotated) of the student item, or None (no item, no score, hidden, or a
    None id, which matches no item, as in 4.x).
    """
    lookup = _validate_score_lookup(student_item)
    if None in lookup.values():
        return None
    try:
        summary = (
            ScoreSummary.objects.filter(**{f"student_item__{key}": value for key, value in lookup.items()})
            .select_related("latest__submission")
            .first()
        )
    except DatabaseError as exc:
        logger.exception("Could not fetch the score of %s", lookup)
        raise SubmissionInternalError(f"Could not fetch the score of {lookup}") from exc
    if summary is None or summary.latest.is_hidden():
        return None
    return dict(ScoreSerializer(summary.latest).data)


def get_scores(course_id, student_id):
    """``{item_id: unannotated score dict}`` of the learner's latest non-hidden scores in the course."""
    course_id = coerce_lookup_key("course_id", course_id, allow_none=True)
    student_id = coerce_lookup_key("student_id", student_id, allow_none=True)
    if course_id is None or student_id is None:
        return {}
    try:
        summaries = list(
            ScoreSummary.objects.filter(student_item__course_id=course_id, student_item__student_id=student_id)
            .select_related("latest__submission", "student_item")
            .order_by("student_item__item_id")
        )
    except DatabaseError as exc:
        logger.exception("Could not fetch the scores of %s in %s", student_id, course_id)
        raise SubmissionInternalError(f"Could not fetch scores for course {course_id}, student {student_id}") from exc
    return {
        summary.student_item.item_id: dict(UnannotatedScoreSerializer(summary.latest).data)
        for summary in summaries
        if not summary.latest.is_hidden()
    }


def get_latest_score_for_submission(submission_uuid, read_replica=False, *, load=get_submission_model):
    """The newest Score of the submission (by id) as an annotated dict, or None (none, hidden, unknown)."""
    try:
        submission = load(submission_uuid, read_replica)
    except (Submission.DoesNotExist, TypeError, ValueError):
        return None
    using = replica_alias(read_replica)
    scores = Score.objects.using(using) if using else Score.objects
    score = scores.filter(submission_id=submission.pk).select_related("submission").order_by("-id").first()
    if score is None or score.is_hidden():
        return None
    return dict(ScoreSerializer(score).data)


def get_latest_scores_for_submissions(submission_uuids, read_replica=False):
    """
    :func:`get_latest_score_for_submission` for many submissions at once: ``{hyphenated uuid: annotated score
    dict}`` of those among ``submission_uuids`` that have a visible newest score (unknown, deleted, unscored
    and hidden ones are left out). Three queries per :data:`SCORE_READ_CHUNK` uuids — submissions, newest
    scores, annotations — plus one on databases without a native uuid column when some uuid is not found
    in its 32-digit form (the legacy hyphenated form of old MySQL deployments, as the one-by-one read finds).
    ``SubmissionRequestError`` for a non-list or a malformed uuid; ``None`` members are skipped.
    """
    parsed = list(dict.fromkeys(parse_uuid_list(submission_uuids, "submission_uuids")))
    using = replica_alias(read_replica)
    scores = {}
    try:
        for start in range(0, len(parsed), SCORE_READ_CHUNK):
            chunk = parsed[start : start + SCORE_READ_CHUNK]
            scores.update(_latest_scores(_submission_ids(chunk, using), using))
    except DatabaseError as exc:
        logger.exception("Could not read the scores of %d submissions", len(parsed))
        raise SubmissionInternalError(f"Could not read the scores of {len(parsed)} submissions") from exc
    return scores


def _submission_ids(uuids, using):
    """``{submission pk: hyphenated uuid as asked}`` of the active submissions among ``uuids``."""
    submissions = Submission.objects.using(using) if using else Submission.objects
    found = {pk: str(uuid) for pk, uuid in submissions.filter(uuid__in=uuids).values_list("pk", "uuid")}
    missing = {str(uuid) for uuid in uuids} - set(found.values())
    if missing and has_legacy_uuids(using):
        legacy = functools.reduce(operator.or_, map(legacy_uuid_q, missing))
        found.update({pk: str(uuid) for pk, uuid in submissions.filter(legacy).values_list("pk", "uuid")})
    return found


def _latest_scores(uuid_of, using):
    """The newest visible score of each submission in ``uuid_of`` (pk → uuid), keyed by that uuid."""
    if not uuid_of:
        return {}
    table = Score.objects.using(using) if using else Score.objects
    newest = table.filter(submission_id__in=list(uuid_of)).values("submission_id").annotate(last=Max("id"))
    rows = (
        table.filter(pk__in=newest.values("last")).select_related("submission").prefetch_related("scoreannotation_set")
    )
    return {uuid_of[score.submission_id]: dict(ScoreSerializer(score).data) for score in rows if not score.is_hidden()}
