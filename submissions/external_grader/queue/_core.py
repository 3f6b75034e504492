"""
Calls into the core submissions API from the queue, imported lazily (``submissions.api`` imports
the queue for ``create_external_grader_detail``).
"""

__all__ = ["create_submission", "set_score", "set_score_of"]


def create_submission(student_item_dict, answer):
    """``submissions.api.create_submission``: returns the submission dict."""
    from submissions.api import create_submission as api_create

    return api_create(student_item_dict, answer)


def set_score(submission_uuid, points_earned, points_possible):
    """``submissions.api.set_score`` (sends ``score_set``; updates the summary)."""
    from submissions.api import set_score as api_set_score

    return api_set_score(submission_uuid, points_earned, points_possible)


def set_score_of(submission, points_earned, points_possible, item_locked=False, score_id=None):
    """
    ``submissions.api.set_score`` for an already loaded Submission: the same validation, log line,
    summary update and ``score_set`` signal, without reading the submission again by uuid. Runs
    without a savepoint of its own: the caller's block rolls back as a whole on any failure.
    ``item_locked``: the caller holds the student item's lock (and loaded ``submission.student_item``).
    ``score_id``: an id the caller took from the Score sequence for the new score.
    """
    from submissions.api import _log_score
    from submissions.errors import SubmissionNotFoundError
    from submissions.models import DELETED
    from submissions.services.scores import write_score
    from submissions.services.validation import validate_points

    earned, possible = validate_points(points_earned, points_possible)
    if submission.status == DELETED:  # set_score only finds active submissions
        raise SubmissionNotFoundError(f"No submission matching uuid {submission.uuid}")
    return write_score(
        submission, earned, possible, log=_log_score, savepoint=False, item_locked=item_locked, score_id=score_id
    )
