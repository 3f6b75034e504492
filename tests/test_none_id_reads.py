"""
Reads given a None id answer as edx-submissions 4.x did (issue 13, point 4): 4.x looked None up as ``IS NULL`` on
NOT NULL columns, so it found nothing and answered the function's empty result (None, ``{}``, ``[]``, an empty
generator, or its not-found error); where 4.x rejected the input (``get_submissions``, ``get_submission``), so do
we. Writes stay strict: a None id is a ``SubmissionRequestError`` and nothing is written.

The upgrade test (tests/test_upgrade_from_edx_submissions.py) runs the same calls through edx-submissions 4.0.2
itself and compares the answers by type and value.
"""

import inspect
import uuid

import pytest

from submissions import api, team_api
from submissions.errors import (
    SubmissionRequestError,
    TeamSubmissionNotFoundError,
    TeamSubmissionRequestError,
)
from submissions.models import Score, StudentItem, Submission

pytestmark = pytest.mark.django_db

COURSE = "course-v1:edX+Demo+2026"
ITEM = "item-1"
TYPE = "openassessment"


@pytest.fixture
def scored(user_factory):
    """A scored learner submission and a team submission, so that a read that ignored None would find rows."""
    student_item = {"student_id": "learner", "course_id": COURSE, "item_id": ITEM, "item_type": TYPE}
    submission = api.create_submission(student_item, "answer")
    api.set_score(submission["uuid"], 1, 2)
    team = team_api.create_submission_for_team(COURSE, "team-item", "team-a", user_factory().pk, ["member"], "t")
    return student_item, submission, team


def with_none(student_item, key):
    return {**student_item, key: None}


@pytest.mark.parametrize("key", ["student_id", "course_id", "item_id", "item_type"])
def test_get_score_with_a_none_id_is_none(scored, key, django_assert_num_queries):
    student_item, _, _ = scored
    assert api.get_score(student_item) is not None
    with django_assert_num_queries(0):
        assert api.get_score(with_none(student_item, key)) is None


def test_get_scores_with_a_none_id_is_empty(scored):
    student_item, _, _ = scored
    assert api.get_scores(COURSE, None) == {}
    assert api.get_scores(None, student_item["student_id"]) == {}


@pytest.mark.parametrize(
    "args", [(None, ITEM, TYPE), (COURSE, None, TYPE), (COURSE, ITEM, None)], ids=["course", "item", "type"]
)
def test_bulk_reads_with_a_none_id_find_nothing(scored, args, django_assert_num_queries):
    with django_assert_num_queries(0):
        rows = api.get_all_submissions(*args)
        assert inspect.isgenerator(rows) and list(rows) == []
        assert api.get_top_submissions(*args, 5, use_cache=False) == []
    course_id, _, item_type = args
    if None in (course_id, item_type):
        rows = api.get_all_course_submission_information(course_id, item_type)
        assert inspect.isgenerator(rows) and list(rows) == []


def test_student_ids_by_uuid_skip_none(scored):
    _, submission, _ = scored
    assert api.get_student_ids_by_submission_uuid(None, [submission["uuid"]]) == {}
    assert api.get_student_ids_by_submission_uuid(COURSE, [None, submission["uuid"]]) == {submission["uuid"]: "learner"}
    assert api.get_student_ids_by_submission_uuid(COURSE, [None]) == {}


def test_latest_score_of_none_is_none(scored):
    assert api.get_latest_score_for_submission(None) is None


def test_reads_4x_rejected_stay_request_errors(scored):
    student_item, _, _ = scored
    for call in (
        lambda: api.get_submission(None),
        lambda: api.get_submission_and_student(None),
        lambda: api.get_submissions(with_none(student_item, "student_id")),
        lambda: team_api.get_team_submission_for_student(with_none(student_item, "course_id")),
    ):
        with pytest.raises(SubmissionRequestError):
            call()
    assert StudentItem.objects.count() == 2  # the learner's and the team member's: reads created nothing


def test_team_reads_with_a_none_id(scored):
    _, _, team = scored
    for call in (
        lambda: team_api.get_team_submission(None),
        lambda: team_api.get_team_submission_from_individual_submission(None),
        lambda: team_api.get_team_submission_for_team(COURSE, "team-item", None),
        lambda: team_api.get_team_submission_student_ids(None),
    ):
        with pytest.raises(TeamSubmissionNotFoundError):
            call()
    assert team_api.get_all_team_submissions(None, "team-item") == []
    assert team_api.get_team_ids_by_team_submission_uuid([None, team["team_submission_uuid"]]) == {
        team["team_submission_uuid"]: "team-a"
    }
    teammates = team_api.get_teammates_with_submissions_from_other_teams
    assert teammates(COURSE, "team-item", "team-b", [None]) == []
    assert teammates(COURSE, "team-item", "team-b", [None, "member"]) == [{"student_id": "member", "team_id": "team-a"}]


def test_writes_with_a_none_id_stay_strict(scored, user_factory):
    student_item, submission, _ = scored
    before = (StudentItem.objects.count(), Submission._objects.count(), Score.objects.count())
    for key in ("student_id", "course_id", "item_id", "item_type"):
        with pytest.raises(SubmissionRequestError):
            api.create_submission(with_none(student_item, key), "x")
    with pytest.raises(SubmissionRequestError):
        api.reset_score(None, COURSE, ITEM)
    with pytest.raises(TeamSubmissionRequestError):
        team_api.create_submission_for_team(COURSE, "team-item", None, user_factory().pk, ["m"], "x")
    with pytest.raises(TeamSubmissionRequestError):
        team_api.create_submission_for_team(COURSE, "other", "team-z", user_factory().pk, [None], "x")
    assert (StudentItem.objects.count(), Submission._objects.count(), Score.objects.count()) == before
    assert api.get_submission(uuid.UUID(submission["uuid"]))["uuid"] == submission["uuid"]
