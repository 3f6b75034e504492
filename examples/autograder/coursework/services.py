"""
Submitting answers and reading their state.

A submission is one call of the library: ``submissions.api.create_external_grader_detail`` creates the
submission (an attempt of the learner's student item) and its grader row on the grading queue, in the
same transaction as the site's row. Its state is read back from the library: the grader row
(queued/grading/failed), the per-case results the score event brought (graded), and the score
(``get_latest_scores_for_submissions``, for a whole page at once), whose annotation carries a teacher's comment.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from submissions import api
from submissions.models import ExternalGraderDetail

from assignments.models import Assignment
from autograder.locks import get_for_share
from classes.models import Class

from .access import check_can_submit
from .models import Submission

__all__ = [
    "MANUAL_GRADE",
    "student_item",
    "submit",
    "grading_states",
    "score_of",
    "scores_of",
    "visible_submissions",
    "as_seen_by",
]

#: The annotation type of a teacher's grade (``set_score(..., annotation_type=MANUAL_GRADE)``).
MANUAL_GRADE = "manual_grade"


def student_item(user, question, *, run=False):
    """The library's student item of ``user`` on ``question`` (code runs: the class's separate runs course)."""
    klass = question.assignment.klass
    return {
        "student_id": user.student_id,
        "course_id": klass.run_course_key if run else klass.course_key,
        "item_id": question.usage_key,
        "item_type": "code_run" if run else "problem",
    }


def submit(user, question, code):
    """
    Queue ``code`` for grading; raises 403/409 (``access``) before anything is written.

    The class and the assignment are read under shared row locks (``autograder.locks``), then checked: many
    submissions proceed side by side, while a close or an archive (exclusive locks) waits for those under way
    and they for it. So a submission is accepted only on a state that is still current when it commits.
    """
    with transaction.atomic():
        klass = get_for_share(Class, question.assignment.klass_id)  # the class first, as every writer locks
        assignment = get_for_share(Assignment, question.assignment_id)
        assignment.klass = klass
        check_can_submit(user, assignment, timezone.now())
        detail = api.create_external_grader_detail(
            student_item(user, question),
            code,
            settings.GRADING_QUEUE,
            f"coursework-{question.pk}",
            grader_file_name="testcases",
            points_possible=question.points,
            grader_payload=question.grader_payload(),
        )
        library = detail.submission
        return Submission.objects.create(
            student=user,
            question=question,
            assignment=assignment,
            library_id=library.pk,
            library_uuid=library.uuid,
            attempt=library.attempt_number,
            code=code,
            submitted_at=library.submitted_at,
        )


def grading_states(submissions):
    """``{site submission id: status}``: queued, grading, graded or failed, in one query for all of them."""
    rows = {
        row["submission_id"]: row
        for row in ExternalGraderDetail.objects.filter(submission_id__in=[s.library_id for s in submissions]).values(
            "submission_id", "status", "status_time"
        )
    }
    states = {}
    for submission in submissions:
        row = rows.get(submission.library_id)
        status = row["status"] if row else "failed"
        if status in ("pending", "retry"):
            state = "queued"
        elif status == "pulled":
            state = "grading"
        elif status == "failed":
            state = "failed"
        elif submission.results_at is None or submission.results_at < row["status_time"]:
            state = "grading"  # graded, but the score event has not reached the site yet
        else:
            state = "graded"
        states[submission.pk] = state
    return states


def scores_of(submissions):
    """
    ``{site submission id: {points, points_possible, comment, graded_by} or None}``: each one's latest score,
    read in one library call for all (``get_latest_scores_for_submissions``: three queries, whatever their
    number).
    """
    scores = api.get_latest_scores_for_submissions([str(s.library_uuid) for s in submissions])
    return {s.pk: _score_view(scores.get(str(s.library_uuid))) for s in submissions}


def score_of(submission):
    """:func:`scores_of` for one submission."""
    return scores_of([submission])[submission.pk]


def _score_view(score):
    if score is None:
        return None
    manual = [note for note in score.get("annotations", []) if note["annotation_type"] == MANUAL_GRADE]
    return {
        "points": score["points_earned"],
        "points_possible": score["points_possible"],
        "comment": manual[-1]["reason"] if manual else "",
        "graded_by": manual[-1]["creator"] if manual else "autograder",
    }


def visible_submissions(user):
    """A student's own submissions; a teacher's: those of the classes they own."""
    queryset = Submission.objects.filter(active=True).select_related("student", "question", "assignment__klass")
    if user.is_teacher:
        return queryset.filter(assignment__klass__owner=user)
    return queryset.filter(student=user)


def as_seen_by(user, submissions):
    """
    ``submissions`` as a list, each with ``state`` (:func:`grading_states`, one query for all), ``owner_view``
    (the reader owns the class) and ``score`` (:func:`scores_of`, one library call for all; None while the
    reader may not see it: a student sees a score once it is published). The queries do not grow with the rows.
    """
    submissions = list(submissions)
    states = grading_states(submissions)
    for submission in submissions:
        submission.state = states[submission.pk]
        submission.owner_view = submission.assignment.klass.owner_id == user.pk
    scores = scores_of([submission for submission in submissions if submission.owner_view or submission.published])
    for submission in submissions:
        submission.score = scores.get(submission.pk)
    return submissions
