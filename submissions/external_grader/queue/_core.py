"""
Calls into the core submissions API (create a submission, set a score) from the queue.

The queue uses ``submissions.api`` when it is importable; the minimal local versions below are only
a bridge for a tree where the core API is not installed yet.
"""

from django.db import transaction

from submissions.errors import SubmissionNotFoundError, SubmissionRequestError

__all__ = ["create_submission", "set_score"]


def create_submission(student_item_dict, answer):
    """``submissions.api.create_submission``: returns the submission dict."""
    try:
        from submissions.api import create_submission as api_create
    except ImportError:
        api_create = _fallback_create_submission
    return api_create(student_item_dict, answer)


def set_score(submission_uuid, points_earned, points_possible):
    """``submissions.api.set_score``."""
    try:
        from submissions.api import set_score as api_set_score
    except ImportError:
        api_set_score = _fallback_set_score
    return api_set_score(submission_uuid, points_earned, points_possible)


_ITEM_KEYS = ("student_id", "course_id", "item_id", "item_type")


def _fallback_create_submission(student_item_dict, answer):
    from submissions.models import StudentItem, Submission

    if not isinstance(student_item_dict, dict) or any(
        not isinstance(student_item_dict.get(key), str) or not student_item_dict.get(key) for key in _ITEM_KEYS
    ):
        raise SubmissionRequestError("Invalid student item", field_errors={"student_item": "invalid"})
    with transaction.atomic():
        item, _ = StudentItem.objects.get_or_create(
            student_id=student_item_dict["student_id"],
            course_id=student_item_dict["course_id"],
            item_id=student_item_dict["item_id"],
            defaults={"item_type": student_item_dict["item_type"]},
        )
        latest = Submission.objects.filter(student_item=item).order_by("-attempt_number").first()
        submission = Submission.objects.create(
            student_item=item, answer=answer, attempt_number=(latest.attempt_number + 1) if latest else 1
        )
    return {"uuid": str(submission.uuid), "student_item": item.pk, "attempt_number": submission.attempt_number}


def _fallback_set_score(submission_uuid, points_earned, points_possible):
    from submissions.models import Score, Submission

    submission = Submission.objects.filter(uuid=submission_uuid).first()
    if submission is None:
        raise SubmissionNotFoundError(f"No submission matching uuid {submission_uuid}")
    Score.objects.create(
        student_item_id=submission.student_item_id,
        submission=submission,
        points_earned=points_earned,
        points_possible=points_possible,
    )
