"""
Read operations on submissions. None of them writes a row (edx-submissions created StudentItems
and rewrote legacy uuids from its reads).
"""

import itertools
import logging
import operator

from django.db import DatabaseError
from django.db.models import Prefetch

from submissions.errors import (
    SubmissionInternalError,
    SubmissionNotFoundError,
    SubmissionRequestError,
    SubmissionStorageError,
)
from submissions.models import ScoreAnnotation, ScoreSummary, StudentItem, Submission
from submissions.serializers import ScoreSerializer, StudentItemSerializer, SubmissionSerializer, decoded_answer
from submissions.services.lookup import (
    cache_get,
    cache_set,
    get_submission_model,
    replica_alias,
    safe_cache_key,
)
from submissions.services.student_items import find_student_item
from submissions.services.validation import coerce_lookup_key, parse_uuid, parse_uuid_list

__all__ = [
    "MAX_TOP_SUBMISSIONS",
    "TOP_SUBMISSIONS_CACHE_TIMEOUT",
    "get_submission",
    "get_submission_and_student",
    "get_submissions",
    "get_all_submissions",
    "get_all_course_submission_information",
    "get_top_submissions",
    "get_student_ids_by_submission_uuid",
    "student_item_cache_key",
    "top_submissions_cache_key",
]

logger = logging.getLogger(__name__)

MAX_TOP_SUBMISSIONS = 100
TOP_SUBMISSIONS_CACHE_TIMEOUT = 300
#: Rows fetched per round trip (and per annotation prefetch) by the bulk generators.
CHUNK_SIZE = 2000


def _queryset(model, using):
    return model.objects.using(using) if using else model.objects


def student_item_cache_key(student_item_id):
    return f"submissions.student_item.{student_item_id}"


def top_submissions_cache_key(course_id, item_id, item_type, number):
    return safe_cache_key(f"submissions.top_submissions.{course_id}.{item_id}.{item_type}.{number}")


def get_submission(submission_uuid, read_replica=False, *, load=get_submission_model):
    """
    The submission dict of ``submission_uuid`` (str or UUID), from the cache when present.

    ``load`` is the model loader (``submissions.api._get_submission_model`` passes itself so that
    patching it keeps working). Cached under ``submissions.submission.<hyphenated uuid>`` with the
    default timeout.
    """
    try:
        parsed = parse_uuid(submission_uuid)
    except TypeError as exc:
        raise SubmissionRequestError(msg=f"submission_uuid ({submission_uuid!r}) must be serializable") from exc
    except ValueError as exc:
        raise SubmissionInternalError(f"Could not get submission due to error: {exc}") from exc

    cache_key = Submission.get_cache_key(parsed)
    cached = cache_get(cache_key)
    if cached:
        logger.debug("Get submission %s (cached)", parsed)
        return cached

    try:
        submission = load(str(parsed), read_replica)
        data = SubmissionSerializer(submission).data
    except Submission.DoesNotExist as exc:
        logger.info("Submission %s not found", parsed)
        raise SubmissionNotFoundError(f"No submission matching uuid {parsed}") from exc
    except SubmissionInternalError:
        logger.exception("Could not read submission %s", parsed)
        raise
    except Exception as exc:  # noqa: BLE001 -- boundary kept from 4.x: anything else is an internal error
        logger.exception("Could not get submission %s", parsed)
        raise SubmissionInternalError(f"Could not get submission due to error: {exc}") from exc
    data = dict(data)
    cache_set(cache_key, data)
    return data


def get_submission_and_student(submission_uuid, read_replica=False, *, load=get_submission_model):
    """The submission dict with ``student_item`` replaced by the student item dict (both cached)."""
    submission = get_submission(submission_uuid, read_replica=read_replica, load=load)
    cache_key = student_item_cache_key(submission["student_item"])
    student_item = cache_get(cache_key)
    if student_item is None:
        try:
            item = _queryset(StudentItem, replica_alias(read_replica)).get(pk=submission["student_item"])
        except (StudentItem.DoesNotExist, DatabaseError) as exc:
            logger.exception("Could not get the student item of submission %s", submission_uuid)
            raise SubmissionInternalError(f"Could not get submission due to error: {exc}") from exc
        student_item = dict(StudentItemSerializer(item).data)
        cache_set(cache_key, student_item)
    submission["student_item"] = student_item
    return submission


def get_submissions(student_item_dict, limit=None):
    """
    The active submissions of a student item, newest first (``-submitted_at, -id``).

    An unknown student item gives ``[]`` (nothing is created). ``limit``: None or 0 for all, else a
    positive int.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise SubmissionRequestError("Invalid limit", field_errors={"limit": ["Must be a positive integer or None."]})
    try:
        item = find_student_item(student_item_dict)
        if item is None:
            return []
        queryset = Submission.objects.filter(student_item=item).select_related("team_submission")
        if limit:
            queryset = queryset[:limit]
        return [dict(row) for row in SubmissionSerializer(list(queryset), many=True).data]
    except DatabaseError as exc:
        logger.exception("Could not read the submissions of %s", student_item_dict)
        raise SubmissionStorageError(f"Error getting submission request for student item {student_item_dict}") from exc


def _lookup_keys(**keys):
    """The lookup ids as strings; None stays None (a read then matches nothing, as in 4.x)."""
    return [coerce_lookup_key(name, value, allow_none=True) for name, value in keys.items()]


def _no_rows():
    """The empty generator a bulk read answers for a None id (4.x's ``IS NULL`` lookups found nothing)."""
    yield from ()


def get_all_submissions(course_id, item_id, item_type, read_replica=True):
    """
    Generator: the latest active submission of every student of an item, ordered by student id,
    each dict with ``student_id`` added. One query (rows streamed in chunks). Arguments are checked
    when called, rows read when iterated.
    """
    course_id, item_id, item_type = _lookup_keys(course_id=course_id, item_id=item_id, item_type=item_type)
    if None in (course_id, item_id, item_type):
        return _no_rows()
    return _all_submissions(course_id, item_id, item_type, read_replica)


def _all_submissions(course_id, item_id, item_type, read_replica):
    queryset = (
        _queryset(Submission, replica_alias(read_replica))
        .select_related("student_item", "team_submission")
        .filter(
            student_item__course_id=course_id,
            student_item__item_id=item_id,
            student_item__item_type=item_type,
        )
        .order_by("student_item__student_id", "-submitted_at", "-id")
    )
    rows = queryset.iterator(chunk_size=CHUNK_SIZE)
    for student_id, group in itertools.groupby(rows, key=operator.attrgetter("student_item.student_id")):
        submission = next(group)
        data = dict(SubmissionSerializer(submission).data)
        data["student_id"] = student_id
        yield data


def get_all_course_submission_information(course_id, item_type, read_replica=True):
    """
    Generator of ``(student_item_dict, submission_dict, score_dict_or_{})`` for every active
    submission of ``item_type`` in the course.

    The score is the item's latest score, given only when it is not hidden and belongs to that
    submission. Rows are read in chunks with the latest score, its submission and its
    annotations joined or prefetched, so the number of queries does not grow with the rows.
    """
    course_id, item_type = _lookup_keys(course_id=course_id, item_type=item_type)
    if None in (course_id, item_type):
        return _no_rows()
    return _all_course_submission_information(course_id, item_type, read_replica)


def _all_course_submission_information(course_id, item_type, read_replica):
    queryset = (
        _queryset(Submission, replica_alias(read_replica))
        .select_related("student_item__scoresummary__latest__submission", "team_submission")
        .prefetch_related(
            Prefetch(
                "student_item__scoresummary__latest__scoreannotation_set",
                queryset=ScoreAnnotation.objects.order_by("id"),
            )
        )
        .filter(student_item__course_id=course_id, student_item__item_type=item_type)
    )
    for submission in queryset.iterator(chunk_size=CHUNK_SIZE):
        student_item = submission.student_item
        score = {}
        summary = getattr(student_item, "scoresummary", None)
        if summary is not None:
            latest = summary.latest
            if not latest.is_hidden() and latest.submission_id == submission.pk:
                score = dict(ScoreSerializer(latest).data)
        yield dict(StudentItemSerializer(student_item).data), dict(SubmissionSerializer(submission).data), score


def get_top_submissions(course_id, item_id, item_type, number_of_top_scores, use_cache=True, read_replica=True):
    """
    Up to ``number_of_top_scores`` ``{"score", "content"}`` dicts: the latest scores above 0 of the
    item, highest raw ``points_earned`` first. Cached for ``TOP_SUBMISSIONS_CACHE_TIMEOUT`` s
    (empty lists too).
    """
    if (
        isinstance(number_of_top_scores, bool)
        or not isinstance(number_of_top_scores, int)
        or not 1 <= number_of_top_scores <= MAX_TOP_SUBMISSIONS
    ):
        raise SubmissionRequestError(
            msg=f"Number of top scores must be a number between 1 and {MAX_TOP_SUBMISSIONS}.",
            field_errors={"number_of_top_scores": [f"Must be an integer between 1 and {MAX_TOP_SUBMISSIONS}."]},
        )
    course_id, item_id, item_type = _lookup_keys(course_id=course_id, item_id=item_id, item_type=item_type)
    if None in (course_id, item_id, item_type):
        return []
    cache_key = top_submissions_cache_key(course_id, item_id, item_type, number_of_top_scores)
    if use_cache:
        cached = cache_get(cache_key)
        if cached is not None:
            return cached

    try:
        summaries = list(
            _queryset(ScoreSummary, replica_alias(read_replica))
            .filter(
                student_item__course_id=course_id,
                student_item__item_id=item_id,
                student_item__item_type=item_type,
                latest__points_earned__gt=0,
            )
            .select_related("latest__submission")
            .order_by("-latest__points_earned", "-latest__id")[:number_of_top_scores]
        )
    except DatabaseError as exc:
        logger.exception("Could not fetch top scores of %s / %s / %s", course_id, item_id, item_type)
        raise SubmissionInternalError(
            f"Could not fetch top score summaries for course {course_id}, item {item_id} of type {item_type}"
        ) from exc
    top = [
        {"score": summary.latest.points_earned, "content": decoded_answer(summary.latest.submission)}
        for summary in summaries
        if summary.latest.submission_id is not None
    ]
    cache_set(cache_key, top, TOP_SUBMISSIONS_CACHE_TIMEOUT)
    return top


def get_student_ids_by_submission_uuid(course_id, submission_uuids, read_replica=True):
    """``{str(uuid): student_id}`` for the active submissions among ``submission_uuids`` in the course."""
    course_id = coerce_lookup_key("course_id", course_id, allow_none=True)
    parsed = parse_uuid_list(submission_uuids, "submission_uuids")
    if course_id is None or not parsed:
        return {}
    rows = (
        _queryset(Submission, replica_alias(read_replica))
        .filter(student_item__course_id=course_id, uuid__in=parsed)
        .values_list("uuid", "student_item__student_id")
    )
    return {str(uuid): student_id for uuid, student_id in rows}
