"""Creating submissions."""

import logging

from django.db import DatabaseError, transaction

from submissions.errors import SubmissionError, SubmissionInternalError, SubmissionRequestError
from submissions.models import Submission, TeamSubmission
from submissions.serializers import SubmissionSerializer
from submissions.services.student_items import get_or_create_student_item, lock_student_item
from submissions.services.validation import (
    validate_answer,
    validate_attempt_number,
    validate_student_item_dict,
    validate_submitted_at,
)

__all__ = ["create_submission", "log_submission"]

logger = logging.getLogger(__name__)
#: The 4.x logger of created submissions and scores (hosts filter on it).
api_logger = logging.getLogger("submissions.api")


def log_submission(submission, student_item):
    """Log the creation of a submission (``submission`` is the dict, ``student_item`` the item dict)."""
    api_logger.info(
        "Created submission uuid=%s for (course_id=%s, item_id=%s, anonymous_student_id=%s)",
        submission["uuid"],
        student_item["course_id"],
        student_item["item_id"],
        student_item["student_id"],
    )


def create_submission(
    student_item_dict,
    answer,
    submitted_at=None,
    attempt_number=None,
    team_submission=None,
    *,
    get_student_item=get_or_create_student_item,
):
    """
    Validate everything, then (in one transaction) get or create the StudentItem and save the
    Submission. Returns the submission dict.

    ``attempt_number`` None means "latest active attempt + 1" (1 for the first); the student item
    row is locked while it is computed, so concurrent submissions of one learner get distinct
    numbers. ``get_student_item`` is the get-or-create used (``submissions.api`` passes its
    ``_get_or_create_student_item`` so that patching it keeps working).
    """
    validate_student_item_dict(student_item_dict)
    validate_answer(answer)
    attempt_number = validate_attempt_number(attempt_number)
    submitted_at = validate_submitted_at(submitted_at)
    if team_submission is not None and (not isinstance(team_submission, TeamSubmission) or team_submission.pk is None):
        raise SubmissionRequestError(
            "Invalid team submission",
            field_errors={"team_submission": ["Expected a saved TeamSubmission or None."]},
        )

    try:
        with transaction.atomic():
            student_item = get_student_item(student_item_dict)
            if attempt_number is None:
                lock_student_item(student_item.pk)
                latest = Submission.objects.filter(student_item=student_item).values_list("attempt_number", flat=True)
                previous = latest.first()
                attempt_number = 1 if previous is None else previous + 1
            submission = Submission(
                student_item=student_item,
                answer=answer,
                attempt_number=attempt_number,
                team_submission=team_submission,
            )
            if submitted_at is not None:
                submission.submitted_at = submitted_at
            submission.save(force_insert=True)
    except SubmissionError:
        raise
    except DatabaseError as exc:
        logger.exception("Could not create a submission for %s", student_item_dict)
        raise SubmissionInternalError(
            f"An error occurred while creating a submission for student item: {student_item_dict}"
        ) from exc
    return dict(SubmissionSerializer(submission).data)
