"""
Team submissions: one answer of a team, fanned out to one Submission per member.

At most one *active* team submission exists per (course, item, team). It is enforced by a check
and an insert made under a named database lock (:mod:`submissions.services.locks`, ADR 0014), not
by a plain check-then-insert as in 4.x.

The per-member operations (create a submission, set or reset a score) are passed in by
``submissions.team_api`` as its ``_api`` functions, so that the team API stays "the individual API
once per member" (and patches of ``submissions.api`` keep affecting it).
"""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.timezone import now

from submissions.errors import (
    DuplicateTeamSubmissionsError,
    SubmissionInternalError,
    TeamSubmissionInternalError,
    TeamSubmissionNotFoundError,
    TeamSubmissionRequestError,
)
from submissions.models import ACTIVE, DELETED, Submission, TeamSubmission
from submissions.serializers import TeamSubmissionSerializer
from submissions.services.locks import locked_atomic
from submissions.services.student_items import find_student_item
from submissions.services.validation import (
    MAX_ITEM_TYPE_LENGTH,
    parse_uuid,
    parse_uuid_list,
    validate_answer,
    validate_attempt_number,
    validate_identifier,
    validate_points,
    validate_submitted_at,
)

__all__ = [
    "create_submission_for_team",
    "get_teammates_with_submissions_from_other_teams",
    "get_team_submission",
    "get_team_submission_from_individual_submission",
    "get_team_submission_for_team",
    "get_team_submission_for_student",
    "get_all_team_submissions",
    "get_team_submission_student_ids",
    "get_team_ids_by_team_submission_uuid",
    "set_score",
    "reset_scores",
]

logger = logging.getLogger(__name__)


def _team_queryset():
    return TeamSubmission.objects.prefetch_related("submissions")


def _serialize(team_submission, **context):
    return dict(TeamSubmissionSerializer(team_submission, context=context).data)


def _validate_member_ids(team_member_ids, *, skip_none=False):
    """The unique member ids; with ``skip_none`` (reads) None members are left out, matching nothing."""
    if isinstance(team_member_ids, str | bytes | dict) or not isinstance(team_member_ids, list | tuple | set):
        raise TeamSubmissionRequestError(
            "team_member_ids must be a list",
            field_errors={"team_member_ids": [f"Expected a list of strings, got {type(team_member_ids).__name__}."]},
        )
    unique = []
    for member_id in team_member_ids:
        if member_id is None and skip_none:
            continue
        validate_identifier("team_member_ids", member_id, error_class=TeamSubmissionRequestError)
        if member_id not in unique:
            unique.append(member_id)
    return unique


def _validate_user(submitting_user_id):
    if submitting_user_id is None or isinstance(submitting_user_id, bool | float | list | dict | tuple):
        raise TeamSubmissionRequestError(
            "Invalid submitting user",
            field_errors={"submitted_by": [f"Expected a user pk, got {type(submitting_user_id).__name__}."]},
        )
    try:
        exists = get_user_model()._default_manager.filter(pk=submitting_user_id).exists()
    except (TypeError, ValueError, ValidationError) as exc:
        raise TeamSubmissionRequestError(
            "Invalid submitting user", field_errors={"submitted_by": [f"Incorrect type: {exc}"]}
        ) from exc
    if not exists:
        raise TeamSubmissionRequestError(
            "Invalid submitting user",
            field_errors={"submitted_by": [f'Invalid pk "{submitting_user_id}" - object does not exist.']},
        )


def _active_team_submission_pks(course_id, item_id, team_id):
    """Locking read of the active team submissions of a team (see ``services.locks``)."""
    return list(
        TeamSubmission.objects.select_for_update()
        .filter(course_id=course_id, item_id=item_id, team_id=team_id, status=ACTIVE)
        .values_list("pk", flat=True)
    )


def create_submission_for_team(
    course_id,
    item_id,
    team_id,
    submitting_user_id,
    team_member_ids,
    answer,
    submitted_at=None,
    attempt_number=1,
    item_type="openassessment",
    *,
    create_member_submission,
):
    """
    Validate everything, then atomically create the TeamSubmission and one Submission per member
    who has not already submitted this item with another team. Returns the team submission dict.
    """
    for name, value in (("course_id", course_id), ("item_id", item_id), ("team_id", team_id)):
        validate_identifier(name, value, error_class=TeamSubmissionRequestError)
    validate_identifier("item_type", item_type, max_length=MAX_ITEM_TYPE_LENGTH, error_class=TeamSubmissionRequestError)
    members = _validate_member_ids(team_member_ids)
    validate_answer(answer, error_class=TeamSubmissionRequestError)
    attempt_number = validate_attempt_number(attempt_number, required=True, error_class=TeamSubmissionRequestError)
    submitted_at = validate_submitted_at(submitted_at, error_class=TeamSubmissionRequestError)
    _validate_user(submitting_user_id)

    key = f"team_submission:{course_id}\x00{item_id}\x00{team_id}"
    log_context = f"course_id={course_id} item_id={item_id} team_id={team_id}"
    try:
        with locked_atomic(key, model=TeamSubmission, error_class=TeamSubmissionInternalError):
            if _active_team_submission_pks(course_id, item_id, team_id):
                raise DuplicateTeamSubmissionsError("Can only have one submission per team.")
            team_submission = TeamSubmission(
                course_id=course_id,
                item_id=item_id,
                team_id=team_id,
                submitted_by_id=submitting_user_id,
                attempt_number=attempt_number,
            )
            if submitted_at is not None:
                team_submission.submitted_at = submitted_at
            team_submission.save(force_insert=True)
            logger.info(
                "Created team submission uuid=%s for (%s) submitted_by=%s",
                team_submission.uuid,
                log_context,
                submitting_user_id,
            )
            elsewhere = {
                row["student_id"]: row["team_id"]
                for row in get_teammates_with_submissions_from_other_teams(course_id, item_id, team_id, members)
            }
            for member_id in members:
                if member_id in elsewhere:
                    logger.info(
                        "[%s] Team member %s already submitted with team %s; skipped",
                        log_context,
                        member_id,
                        elsewhere[member_id],
                    )
                    continue
                create_member_submission(
                    {"student_id": member_id, "course_id": course_id, "item_id": item_id, "item_type": item_type},
                    answer,
                    submitted_at=submitted_at,
                    attempt_number=attempt_number,
                    team_submission=team_submission,
                )
    except DatabaseError as exc:
        logger.exception("Could not create a team submission for %s", log_context)
        raise TeamSubmissionInternalError(
            f"An error occurred while creating team submission for {log_context}: {exc}"
        ) from exc
    return _serialize(_team_queryset().get(pk=team_submission.pk), answer=answer)


def get_teammates_with_submissions_from_other_teams(course_id, item_id, team_id, team_member_ids):
    """``[{"student_id", "team_id"}]``: members with an active submission of this item made with another team."""
    members = _validate_member_ids(team_member_ids, skip_none=True)
    if not members:
        return []
    rows = (
        Submission.objects.filter(
            student_item__student_id__in=members,
            student_item__course_id=course_id,
            student_item__item_id=item_id,
            team_submission__isnull=False,
        )
        .exclude(team_submission__team_id=team_id)
        .values_list("student_item__student_id", "team_submission__team_id")
    )
    return [{"student_id": student_id, "team_id": other_team} for student_id, other_team in rows]


def _load_team_submission(team_submission_uuid):
    """The active TeamSubmission (members prefetched); NotFound (also for None), Internal for a malformed uuid."""
    if team_submission_uuid is None:
        raise TeamSubmissionNotFoundError("No team submission matching uuid None")
    try:
        parsed = parse_uuid(team_submission_uuid)
    except (TypeError, ValueError) as exc:
        raise TeamSubmissionInternalError(
            f"Attempt to get team submission for uuid {team_submission_uuid} caused error: {exc}"
        ) from exc
    try:
        team_submission = _team_queryset().filter(uuid=parsed).order_by("-id").first()
    except DatabaseError as exc:
        raise TeamSubmissionInternalError(
            f"Attempt to get team submission for uuid {parsed} caused error: {exc}"
        ) from exc
    if team_submission is None:
        raise TeamSubmissionNotFoundError(f"No team submission matching uuid {parsed}")
    return team_submission


def get_team_submission(team_submission_uuid):
    """The active team submission dict of ``team_submission_uuid``."""
    return _serialize(_load_team_submission(team_submission_uuid))


def get_team_submission_from_individual_submission(individual_submission_uuid):
    """The active team submission dict that a member's submission belongs to."""
    try:
        parsed = parse_uuid(individual_submission_uuid)
    except (TypeError, ValueError) as exc:
        raise TeamSubmissionNotFoundError(f"No team submission for submission {individual_submission_uuid!r}") from exc
    try:
        team_submission = _team_queryset().filter(submissions__uuid=parsed).distinct().first()
    except DatabaseError as exc:
        raise TeamSubmissionInternalError(f"Could not look up the team submission of {parsed}: {exc}") from exc
    if team_submission is None:
        raise TeamSubmissionNotFoundError(f"No team submission for submission {parsed}")
    return _serialize(team_submission)


def get_team_submission_for_team(course_id, item_id, team_id):
    """The active team submission dict of a team for an item."""
    params = f"course_id={course_id} item_id={item_id} team_id={team_id}"
    try:
        team_submission = _team_queryset().filter(course_id=course_id, item_id=item_id, team_id=team_id).first()
    except (DatabaseError, ValidationError, TypeError, ValueError) as exc:
        raise TeamSubmissionInternalError(f"Attempt to get team submission for {params} caused error: {exc}") from exc
    if team_submission is None:
        raise TeamSubmissionNotFoundError(f"No team submission matching {params}")
    return _serialize(team_submission)


def get_team_submission_for_student(student_item_dict):
    """
    The active team submission dict a learner's submission belongs to. Never writes: an unknown
    student item is ``TeamSubmissionNotFoundError`` (4.x created the item). An invalid dict is a
    ``SubmissionRequestError``, the class 4.x raised from its student item lookup.
    """
    student_item = find_student_item(student_item_dict)
    if student_item is None:
        raise TeamSubmissionNotFoundError(f"No team submission matching {student_item_dict}")
    try:
        team_submission = _team_queryset().filter(submissions__student_item=student_item).distinct().first()
    except DatabaseError as exc:
        raise TeamSubmissionInternalError(
            f"Attempt to get team submission for {student_item} caused error: {exc}"
        ) from exc
    if team_submission is None:
        raise TeamSubmissionNotFoundError(f"No team submission matching {student_item}")
    return _serialize(team_submission)


def get_all_team_submissions(course_id, item_id):
    """The active team submission dicts of an item (newest first)."""
    try:
        team_submissions = list(_team_queryset().filter(course_id=course_id, item_id=item_id))
    except (DatabaseError, ValidationError, TypeError, ValueError) as exc:
        raise TeamSubmissionInternalError(
            f"Attempt to get team submissions for course_id={course_id} item_id={item_id} caused error: {exc}"
        ) from exc
    return [_serialize(team_submission) for team_submission in team_submissions]


def get_team_submission_student_ids(team_submission_uuid):
    """The student ids of the member submissions of an active team submission (one query)."""
    if not team_submission_uuid:
        raise TeamSubmissionNotFoundError("No team submission uuid given")
    try:
        parsed = parse_uuid(team_submission_uuid)
    except (TypeError, ValueError) as exc:
        raise TeamSubmissionInternalError(
            f"Attempt to get student ids for team submission {team_submission_uuid} caused error: {exc}"
        ) from exc
    try:
        student_ids = list(
            Submission._objects.filter(team_submission__uuid=parsed, team_submission__status=ACTIVE)
            .order_by("id")
            .values_list("student_item__student_id", flat=True)
        )
    except DatabaseError as exc:
        logger.error("Could not read the student ids of team submission %s", parsed)
        raise TeamSubmissionInternalError(
            f"Attempt to get student ids for team submission {parsed} caused error: {exc}"
        ) from exc
    if not student_ids:
        raise TeamSubmissionNotFoundError(f"No student ids for team submission {parsed}")
    return student_ids


def get_team_ids_by_team_submission_uuid(team_submission_uuids):
    """``{str(uuid): team_id}`` for the active team submissions among the uuids."""
    parsed = parse_uuid_list(team_submission_uuids, "team_submission_uuids", error_class=TeamSubmissionRequestError)
    if not parsed:
        return {}
    rows = TeamSubmission.objects.filter(uuid__in=parsed).values_list("uuid", "team_id")
    return {str(uuid): team_id for uuid, team_id in rows}


def set_score(
    team_submission_uuid,
    points_earned,
    points_possible,
    annotation_creator=None,
    annotation_type=None,
    annotation_reason=None,
    *,
    set_member_score,
):
    """``set_member_score`` (``api.set_score``) for each member submission, in one transaction."""
    validate_points(points_earned, points_possible)
    team_submission = get_team_submission(team_submission_uuid)
    logger.info(
        "Setting score for team submission %s (members %s): %s / %s",
        team_submission["team_submission_uuid"],
        team_submission["submission_uuids"],
        points_earned,
        points_possible,
    )
    with transaction.atomic():
        for submission_uuid in team_submission["submission_uuids"]:
            set_member_score(
                submission_uuid,
                points_earned,
                points_possible,
                annotation_creator,
                annotation_type,
                annotation_reason,
            )


def reset_scores(team_submission_uuid, clear_state=False, *, reset_member_score):
    """
    ``reset_member_score`` (``api.reset_score``) for each member, in one transaction; with
    ``clear_state`` the team submission is soft-deleted too.
    """
    team_submission = _load_team_submission(team_submission_uuid)
    try:
        with transaction.atomic():
            members = list(
                Submission.objects.filter(team_submission=team_submission).select_related("student_item").order_by("id")
            )
            seen = set()
            for submission in members:
                item = submission.student_item
                if item.pk in seen:
                    continue
                seen.add(item.pk)
                reset_member_score(item.student_id, item.course_id, item.item_id, clear_state=clear_state)
            if clear_state:
                TeamSubmission._objects.filter(pk=team_submission.pk).update(status=DELETED, modified=now())
    except (DatabaseError, SubmissionInternalError) as exc:
        logger.exception("Could not reset the scores of team submission %s", team_submission_uuid)
        raise TeamSubmissionInternalError(
            f"Error occurred while resetting scores for team submission {team_submission_uuid}"
        ) from exc
    logger.info("Score reset for team submission %s", team_submission_uuid)
