"""
The core operations the default backend uses, as ``submissions.api`` offers them (same arguments, same
dicts, same log lines), called on the services: nothing inside the package imports the public facade.
"""

from submissions.services import reads, scores, submissions
from submissions.services.lookup import get_submission_model

__all__ = ["get_score", "reset_score", "get_submission", "create_submission", "set_score"]

get_score = scores.get_score


def reset_score(student_id, course_id, item_id, clear_state=False, emit_signal=True):
    scores.reset_score(student_id, course_id, item_id, clear_state=clear_state, emit_signal=emit_signal)


def get_submission(submission_uuid, read_replica=False):
    return reads.get_submission(submission_uuid, read_replica=read_replica, load=get_submission_model)


def create_submission(student_item_dict, answer):
    data = submissions.create_submission(student_item_dict, answer)
    submissions.log_submission(data, student_item_dict)
    return data


def set_score(submission_uuid, points_earned, points_possible, **annotation):
    scores.set_score(submission_uuid, points_earned, points_possible, **annotation, log=scores.log_score)
