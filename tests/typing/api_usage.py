"""
Checked by mypy (quality env), never run: the public API's types as a caller sees them. A signature that
drifts from the documented shapes fails ``mypy`` here.
"""

import uuid
from typing import assert_type

from submissions import api, team_api
from submissions.types import ScoreDict, SubmissionDict, TeamSubmissionDict


def caller() -> None:
    submission = api.create_submission(
        {"student_id": "anon", "course_id": "course-v1:A+B+C", "item_id": "item", "item_type": "problem"}, "answer"
    )
    assert_type(submission, SubmissionDict)
    assert_type(submission["uuid"], str)
    assert_type(submission["team_submission_uuid"], uuid.UUID | None)
    assert_type(api.get_submission(submission["uuid"]), SubmissionDict)
    assert_type(api.get_submissions({"student_id": "anon", "course_id": "c", "item_id": "i"}), list[SubmissionDict])
    score = api.get_score({"student_id": "anon", "course_id": "c", "item_id": "i"})
    assert_type(score, ScoreDict | None)
    if score is not None:
        assert_type(score["points_earned"], int)
    api.set_score(submission["uuid"], 1, 2)
    team = team_api.create_submission_for_team("c", "i", "team", 1, ["a", "b"], "answer")
    assert_type(team, TeamSubmissionDict)
    assert_type(team["submission_uuids"], list[uuid.UUID])
