"""
The teacher's side: run the autograder again, grade by hand, publish.

* Run again: ``submissions.external_grader.queue.regrade(uuid)`` sends the stored submission back to the
  reference grader (its grader row goes back to ``pending``); the new score needs publishing again.
* Grade: ``submissions.api.set_score`` with an annotation (creator = the teacher, type ``manual_grade``,
  reason = the comment); the score is unpublished until the teacher publishes it.
* Publish: the site's flag, and a notification to the student, in one transaction.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from rest_framework import serializers
from submissions import api
from submissions.external_grader import queue

from autograder.api import Conflict
from notifications.services import notify

from .access import check_owner
from .models import Submission
from .services import MANUAL_GRADE, grading_states, score_of

__all__ = ["rerun_assignment", "rerun_submission", "grade", "publish", "latest_submissions"]


def latest_submissions(assignment):
    """Each student's latest active submission of each question of ``assignment``."""
    latest = (
        Submission.objects.filter(assignment=assignment, active=True)
        .values("student_id", "question_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    return Submission.objects.filter(pk__in=list(latest))


def _rerun(submissions):
    count = 0
    with transaction.atomic():
        for submission in submissions:
            queue.regrade(str(submission.library_uuid))
            count += 1
        Submission.objects.filter(pk__in=[s.pk for s in submissions]).update(
            published=False, published_at=None, results_at=None
        )
    return count


def rerun_assignment(teacher, assignment):
    check_owner(teacher, assignment.klass)
    return _rerun(list(latest_submissions(assignment)))


def rerun_submission(teacher, submission):
    check_owner(teacher, submission.assignment.klass)
    return _rerun([submission])


def _require_graded_or_failed(submission):
    state = grading_states([submission])[submission.pk]
    if state in ("queued", "grading"):
        raise Conflict("This submission is still being graded by the autograder.")


def grade(teacher, submission, points, comment):
    """Record ``points`` with the teacher's comment; 400 above the question's points, 409 while autograding."""
    check_owner(teacher, submission.assignment.klass)
    possible = submission.question.points
    if points > possible:
        raise serializers.ValidationError({"points": [f"Ensure this value is less than or equal to {possible}."]})
    _require_graded_or_failed(submission)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        api.set_score(
            str(locked.library_uuid),
            points,
            possible,
            annotation_creator=teacher.get_username(),
            annotation_type=MANUAL_GRADE,
            annotation_reason=comment,
        )
        locked.published, locked.published_at = False, None
        locked.save(update_fields=["published", "published_at"])
    return locked


def publish(teacher, submission):
    """Make the score visible to the student and tell them; 409 when there is no score yet."""
    check_owner(teacher, submission.assignment.klass)
    _require_graded_or_failed(submission)
    if score_of(submission) is None:
        raise Conflict("This submission has no score to publish yet.")
    with transaction.atomic():
        locked = Submission.objects.select_for_update().select_related("question").get(pk=submission.pk)
        if not locked.published:
            locked.published, locked.published_at = True, timezone.now()
            locked.save(update_fields=["published", "published_at"])
            notify(
                locked.student,
                "grade_published",
                f"Your grade for {locked.question.title} is published.",
                link=f"/submissions/{locked.pk}/",
            )
    return locked
