"""
Public interface for team submissions (drop-in for edx-submissions 4.x ``submissions.team_api``).

A team submission is one answer of a team, fanned out to one individual submission per member
through ``submissions.api`` (imported here as ``_api``, as in 4.x, so patches of it apply). Thin
adapters over :mod:`submissions.services.teams`, which owns the transactions and enforces one
active team submission per (course, item, team) under a lock.
"""

from __future__ import annotations

import datetime
from typing import Any

from submissions import api as _api
from submissions.errors import (
    DuplicateTeamSubmissionsError,
    TeamSubmissionInternalError,
    TeamSubmissionNotFoundError,
    TeamSubmissionRequestError,
)
from submissions.services import teams as _teams
from submissions.types import LookupId, StudentItemLookup, SubmissionUUID, TeamSubmissionDict

__all__ = [
    "DuplicateTeamSubmissionsError",
    "TeamSubmissionInternalError",
    "TeamSubmissionNotFoundError",
    "TeamSubmissionRequestError",
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


def create_submission_for_team(
    course_id: str,
    item_id: str,
    team_id: str,
    submitting_user_id: int,
    team_member_ids: list[str],
    answer: Any,
    submitted_at: datetime.datetime | str | None = None,
    attempt_number: int = 1,
    item_type: str = "openassessment",
) -> TeamSubmissionDict:
    """
    Atomically create a team submission and one submission (same answer) per member who has not
    already submitted this item with another team; return the team submission dict.

    ``submitting_user_id`` is the pk of the submitting user, ``team_member_ids`` the members'
    anonymous ids. Raises ``TeamSubmissionRequestError`` for invalid input,
    ``DuplicateTeamSubmissionsError`` if the team already has an active submission for the item,
    ``TeamSubmissionInternalError`` on a database error.
    """
    return _teams.create_submission_for_team(
        course_id,
        item_id,
        team_id,
        submitting_user_id,
        team_member_ids,
        answer,
        submitted_at=submitted_at,
        attempt_number=attempt_number,
        item_type=item_type,
        create_member_submission=_api.create_submission,
    )


def get_teammates_with_submissions_from_other_teams(
    course_id: LookupId, item_id: LookupId, team_id: str, team_member_ids: list[str]
) -> list[dict[str, str]]:
    """``[{"student_id", "team_id"}]`` of members who submitted this item with another team."""
    return _teams.get_teammates_with_submissions_from_other_teams(course_id, item_id, team_id, team_member_ids)


def get_team_submission(team_submission_uuid: SubmissionUUID) -> TeamSubmissionDict:
    """
    The active team submission dict. ``TeamSubmissionNotFoundError``; a malformed uuid is a
    ``TeamSubmissionInternalError`` (as in 4.x).
    """
    return _teams.get_team_submission(team_submission_uuid)


def get_team_submission_from_individual_submission(individual_submission_uuid: SubmissionUUID) -> TeamSubmissionDict:
    """The team submission dict that a member's submission belongs to (``TeamSubmissionNotFoundError``)."""
    return _teams.get_team_submission_from_individual_submission(individual_submission_uuid)


def get_team_submission_for_team(course_id: LookupId, item_id: LookupId, team_id: str) -> TeamSubmissionDict:
    """The active team submission dict of a team for an item."""
    return _teams.get_team_submission_for_team(course_id, item_id, team_id)


def get_team_submission_for_student(student_item_dict: StudentItemLookup) -> TeamSubmissionDict:
    """The team submission dict a learner's submission belongs to. Never creates a student item."""
    return _teams.get_team_submission_for_student(student_item_dict)


def get_all_team_submissions(course_id: LookupId, item_id: LookupId) -> list[TeamSubmissionDict]:
    """The active team submission dicts of an item."""
    return _teams.get_all_team_submissions(course_id, item_id)


def get_team_submission_student_ids(team_submission_uuid: SubmissionUUID) -> list[str]:
    """The student ids of a team submission's members (``TeamSubmissionNotFoundError`` if none)."""
    return _teams.get_team_submission_student_ids(team_submission_uuid)


def get_team_ids_by_team_submission_uuid(team_submission_uuids: list[SubmissionUUID]) -> dict[str, str]:
    """``{str(team submission uuid): team_id}``."""
    return _teams.get_team_ids_by_team_submission_uuid(team_submission_uuids)


def set_score(
    team_submission_uuid: SubmissionUUID,
    points_earned: int,
    points_possible: int,
    annotation_creator: str | None = None,
    annotation_type: str | None = None,
    annotation_reason: str | None = None,
) -> None:
    """``api.set_score`` for each member submission, in one transaction (one ``score_set`` per member)."""
    _teams.set_score(
        team_submission_uuid,
        points_earned,
        points_possible,
        annotation_creator,
        annotation_type,
        annotation_reason,
        set_member_score=_api.set_score,
    )


def reset_scores(team_submission_uuid: SubmissionUUID, clear_state: bool = False) -> None:
    """
    ``api.reset_score`` for each member, in one transaction; with ``clear_state`` the team
    submission is soft-deleted too. ``TeamSubmissionInternalError`` on failure.
    """
    _teams.reset_scores(team_submission_uuid, clear_state=clear_state, reset_member_score=_api.reset_score)
