"""
Calls into the core submissions API from the queue, imported lazily (``submissions.api`` imports
the queue for ``create_external_grader_detail``).
"""

__all__ = ["create_submission", "set_score"]


def create_submission(student_item_dict, answer):
    """``submissions.api.create_submission``: returns the submission dict."""
    from submissions.api import create_submission as api_create

    return api_create(student_item_dict, answer)


def set_score(submission_uuid, points_earned, points_possible):
    """``submissions.api.set_score`` (sends ``score_set``; updates the summary)."""
    from submissions.api import set_score as api_set_score

    return api_set_score(submission_uuid, points_earned, points_possible)
