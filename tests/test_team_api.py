"""submissions.team_api: team submissions, their scores and resets."""

import datetime
import uuid

import pytest
from django.db import connection

from submissions import api, team_api
from submissions.errors import (
    DuplicateTeamSubmissionsError,
    ScoreValueError,
    SubmissionError,
    SubmissionNotFoundError,
    SubmissionRequestError,
    TeamSubmissionInternalError,
    TeamSubmissionNotFoundError,
    TeamSubmissionRequestError,
)
from submissions.models import Score, StudentItem, Submission, TeamSubmission
from submissions.signals import score_reset, score_set
from tests.dbfaults import fail_on

pytestmark = pytest.mark.django_db

COURSE = "course-v1:edX+Teams+2026"
ITEM = "team-item"
TEAM = "team-a"
MEMBERS = ["anon-alice", "anon-bob", "anon-carol"]
TEAM_KEYS = {
    "team_submission_uuid",
    "attempt_number",
    "submitted_at",
    "course_id",
    "item_id",
    "team_id",
    "submitted_by",
    "created_at",
    "answer",
    "submission_uuids",
}


@pytest.fixture
def user(user_factory):
    return user_factory()


@pytest.fixture
def team_submission(user):
    return team_api.create_submission_for_team(COURSE, ITEM, TEAM, user.pk, MEMBERS, {"text": "team answer"})


def member_item(student_id, item_id=ITEM):
    return {"student_id": student_id, "course_id": COURSE, "item_id": item_id, "item_type": "openassessment"}


def counts():
    return TeamSubmission._objects.count(), Submission._objects.count(), StudentItem.objects.count()


# -- create_submission_for_team --


def test_create_team_submission(team_submission, user):
    assert set(team_submission) == TEAM_KEYS
    assert team_submission["course_id"] == COURSE
    assert team_submission["item_id"] == ITEM
    assert team_submission["team_id"] == TEAM
    assert team_submission["submitted_by"] == user.pk
    assert team_submission["attempt_number"] == 1
    assert team_submission["answer"] == {"text": "team answer"}
    assert isinstance(team_submission["submitted_at"], datetime.datetime)
    assert isinstance(team_submission["created_at"], datetime.datetime)
    stored = TeamSubmission.objects.get()
    # The types of 4.0.2: the team submission's own uuid a str, its members' uuids uuid.UUID objects.
    assert type(team_submission["team_submission_uuid"]) is str
    assert team_submission["team_submission_uuid"] == str(stored.uuid)
    assert len(team_submission["submission_uuids"]) == 3
    assert all(type(value) is uuid.UUID for value in team_submission["submission_uuids"])
    assert team_api.get_team_submission(stored.uuid) == team_submission
    for member in MEMBERS:
        (submission,) = api.get_submissions(member_item(member))
        assert submission["answer"] == {"text": "team answer"}
        assert submission["team_submission_uuid"] == stored.uuid
        assert uuid.UUID(submission["uuid"]) in team_submission["submission_uuids"]
    assert StudentItem.objects.get(student_id="anon-bob").item_type == "openassessment"


def test_create_team_submission_options(user):
    when = datetime.datetime(2025, 3, 4, 5, 6, tzinfo=datetime.UTC)
    data = team_api.create_submission_for_team(
        COURSE, ITEM, TEAM, user.pk, ["m1", "m1", "m2"], "text", submitted_at=when, attempt_number=3, item_type="ora"
    )
    assert data["submitted_at"] == when
    assert data["attempt_number"] == 3
    assert len(data["submission_uuids"]) == 2  # the duplicate member id is counted once
    submission = api.get_submission(data["submission_uuids"][0])
    assert (submission["submitted_at"], submission["attempt_number"]) == (when, 3)
    assert StudentItem.objects.filter(item_type="ora").count() == 2


def test_create_team_submission_with_no_members(user):
    data = team_api.create_submission_for_team(COURSE, ITEM, TEAM, user.pk, [], "text")
    assert data["submission_uuids"] == []
    assert team_api.get_team_submission(data["team_submission_uuid"])["answer"] is None


def test_one_active_team_submission_per_team(team_submission, user):
    with pytest.raises(DuplicateTeamSubmissionsError):
        team_api.create_submission_for_team(COURSE, ITEM, TEAM, user.pk, MEMBERS, "again")
    assert counts() == (1, 3, 3)
    # Other items and other teams are fine.
    team_api.create_submission_for_team(COURSE, "other-item", TEAM, user.pk, MEMBERS, "x")
    team_api.create_submission_for_team(COURSE, ITEM, "team-b", user.pk, ["anon-dave"], "x")


def test_duplicate_error_is_not_a_submission_error():
    """As in 4.x: ``except SubmissionError`` in callers must not start catching it."""
    assert not issubclass(DuplicateTeamSubmissionsError, SubmissionError)


def test_a_team_can_submit_again_after_a_reset_with_clear_state(team_submission, user):
    team_api.reset_scores(team_submission["team_submission_uuid"], clear_state=True)
    again = team_api.create_submission_for_team(COURSE, ITEM, TEAM, user.pk, MEMBERS, "again")
    assert again["team_submission_uuid"] != team_submission["team_submission_uuid"]
    assert len(again["submission_uuids"]) == 3


def test_members_who_submitted_with_another_team_are_skipped(team_submission, user):
    data = team_api.create_submission_for_team(COURSE, ITEM, "team-b", user.pk, ["anon-alice", "anon-dave"], "b")
    assert len(data["submission_uuids"]) == 1
    assert (
        api.get_submission(data["submission_uuids"][0])["student_item"]
        == StudentItem.objects.get(student_id="anon-dave").pk
    )
    assert [row["answer"] for row in api.get_submissions(member_item("anon-alice"))] == [{"text": "team answer"}]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"course_id": ""}, "course_id"),
        ({"item_id": None}, "item_id"),
        ({"team_id": 5}, "team_id"),
        ({"team_id": "t" * 256}, "team_id"),
        ({"item_type": ""}, "item_type"),
        ({"team_member_ids": "anon-alice"}, "team_member_ids"),
        ({"team_member_ids": None}, "team_member_ids"),
        ({"team_member_ids": ["ok", ""]}, "team_member_ids"),
        ({"team_member_ids": ["ok", 7]}, "team_member_ids"),
        ({"answer": object()}, "answer"),
        ({"answer": None}, "answer"),
        ({"answer": "x" * 102_400}, "answer"),
        ({"attempt_number": -1}, "attempt_number"),
        ({"attempt_number": None}, "attempt_number"),
        ({"submitted_at": "not a date"}, "submitted_at"),
        ({"submitting_user_id": None}, "submitted_by"),
        ({"submitting_user_id": 999_999}, "submitted_by"),
        ({"submitting_user_id": "abc"}, "submitted_by"),
        ({"submitting_user_id": True}, "submitted_by"),
    ],
)
def test_create_team_submission_bad_input_writes_nothing(user, kwargs, field):
    arguments = {
        "course_id": COURSE,
        "item_id": ITEM,
        "team_id": TEAM,
        "submitting_user_id": user.pk,
        "team_member_ids": MEMBERS,
        "answer": "answer",
        **kwargs,
    }
    with pytest.raises(TeamSubmissionRequestError) as excinfo:
        team_api.create_submission_for_team(**arguments)
    assert field in excinfo.value.field_errors
    assert counts() == (0, 0, 0)


def test_create_team_submission_is_atomic(user):
    """A failure creating the third member's submission leaves nothing behind."""
    inserts = []

    def fail_third_submission(execute, sql, params, many, context):
        if sql.replace('"', "").replace("`", "").startswith("INSERT INTO submissions_submission "):
            inserts.append(sql)
            if len(inserts) == 3:
                from django.db import DatabaseError

                raise DatabaseError("injected")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_third_submission), pytest.raises(SubmissionError):
        team_api.create_submission_for_team(COURSE, ITEM, TEAM, user.pk, MEMBERS, "answer")
    assert counts() == (0, 0, 0)


def test_create_team_submission_database_error_is_internal(user):
    with (
        connection.execute_wrapper(fail_on("INSERT INTO submissions_teamsubmission")),
        pytest.raises(TeamSubmissionInternalError),
    ):
        team_api.create_submission_for_team(COURSE, ITEM, TEAM, user.pk, MEMBERS, "answer")
    assert counts() == (0, 0, 0)


# -- reads --


def test_get_teammates_with_submissions_from_other_teams(team_submission):
    assert team_api.get_teammates_with_submissions_from_other_teams(COURSE, ITEM, "team-b", ["anon-bob", "x"]) == [
        {"student_id": "anon-bob", "team_id": TEAM}
    ]
    assert team_api.get_teammates_with_submissions_from_other_teams(COURSE, ITEM, TEAM, MEMBERS) == []
    assert team_api.get_teammates_with_submissions_from_other_teams(COURSE, "other", "team-b", MEMBERS) == []
    assert team_api.get_teammates_with_submissions_from_other_teams(COURSE, ITEM, "team-b", []) == []


def test_individual_submissions_do_not_count_as_other_teams():
    api.create_submission(member_item("solo"), "alone")
    assert team_api.get_teammates_with_submissions_from_other_teams(COURSE, ITEM, TEAM, ["solo"]) == []


def test_get_teammates_is_one_query(team_submission, django_assert_num_queries):
    with django_assert_num_queries(1):
        team_api.get_teammates_with_submissions_from_other_teams(COURSE, ITEM, "team-b", MEMBERS)


def test_get_team_submission(team_submission):
    assert team_api.get_team_submission(team_submission["team_submission_uuid"]) == team_submission
    assert team_api.get_team_submission(uuid.UUID(team_submission["team_submission_uuid"])) == team_submission


def test_get_team_submission_errors():
    with pytest.raises(TeamSubmissionNotFoundError):
        team_api.get_team_submission(str(uuid.uuid4()))
    with pytest.raises(TeamSubmissionInternalError) as excinfo:
        team_api.get_team_submission("not-a-uuid")
    assert "is not a valid UUID" in str(excinfo.value)
    with pytest.raises(TeamSubmissionNotFoundError):  # as 4.x: None matches no team submission
        team_api.get_team_submission(None)


def test_get_team_submission_undecodable_answer(team_submission):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE submissions_submission SET raw_answer = %s", ["{broken"])
    with pytest.raises(api.SubmissionInternalError):
        team_api.get_team_submission(team_submission["team_submission_uuid"])


def test_get_team_submission_from_individual_submission(team_submission):
    for submission_uuid in team_submission["submission_uuids"]:
        assert team_api.get_team_submission_from_individual_submission(submission_uuid) == team_submission
    solo = api.create_submission(member_item("solo"), "alone")
    for bad in (solo["uuid"], str(uuid.uuid4()), "not-a-uuid", None):
        with pytest.raises(TeamSubmissionNotFoundError):
            team_api.get_team_submission_from_individual_submission(bad)


def test_get_team_submission_for_team(team_submission):
    assert team_api.get_team_submission_for_team(COURSE, ITEM, TEAM) == team_submission
    with pytest.raises(TeamSubmissionNotFoundError):
        team_api.get_team_submission_for_team(COURSE, ITEM, "no-team")
    team_api.reset_scores(team_submission["team_submission_uuid"], clear_state=True)
    with pytest.raises(TeamSubmissionNotFoundError):
        team_api.get_team_submission_for_team(COURSE, ITEM, TEAM)


def test_get_team_submission_for_student(team_submission):
    assert team_api.get_team_submission_for_student(member_item("anon-carol")) == team_submission


def test_get_team_submission_for_unknown_student_creates_nothing(team_submission):
    """4.x created the StudentItem from this read."""
    before = counts()
    with pytest.raises(TeamSubmissionNotFoundError):
        team_api.get_team_submission_for_student(member_item("stranger"))
    api.create_submission(member_item("solo"), "alone")
    with pytest.raises(TeamSubmissionNotFoundError):
        team_api.get_team_submission_for_student(member_item("solo"))
    assert counts() == (before[0], before[1] + 1, before[2] + 1)
    with pytest.raises(SubmissionRequestError) as raised:  # the class 4.x raised, not its team subclass
        team_api.get_team_submission_for_student({"student_id": ""})
    assert type(raised.value) is SubmissionRequestError


def test_get_all_team_submissions(team_submission, user):
    other = team_api.create_submission_for_team(COURSE, ITEM, "team-b", user.pk, ["anon-dave"], "b")
    team_api.create_submission_for_team(COURSE, "other-item", TEAM, user.pk, ["anon-erin"], "c")
    rows = team_api.get_all_team_submissions(COURSE, ITEM)
    assert {row["team_submission_uuid"] for row in rows} == {
        team_submission["team_submission_uuid"],
        other["team_submission_uuid"],
    }
    assert team_api.get_all_team_submissions(COURSE, "nothing") == []


def test_get_all_team_submissions_query_count(user, django_assert_max_num_queries):
    for n in range(5):
        team_api.create_submission_for_team(COURSE, ITEM, f"team-{n}", user.pk, [f"m{n}a", f"m{n}b"], "x")
    with django_assert_max_num_queries(2):
        assert len(team_api.get_all_team_submissions(COURSE, ITEM)) == 5


def test_get_team_submission_student_ids(team_submission, django_assert_num_queries):
    with django_assert_num_queries(1):
        ids = team_api.get_team_submission_student_ids(team_submission["team_submission_uuid"])
    assert sorted(ids) == sorted(MEMBERS)
    for bad in (None, "", str(uuid.uuid4())):
        with pytest.raises(TeamSubmissionNotFoundError):
            team_api.get_team_submission_student_ids(bad)
    with pytest.raises(TeamSubmissionInternalError):
        team_api.get_team_submission_student_ids("not-a-uuid")


def test_get_team_submission_student_ids_database_error(team_submission):
    with connection.execute_wrapper(fail_on("SELECT")), pytest.raises(TeamSubmissionInternalError):
        team_api.get_team_submission_student_ids(team_submission["team_submission_uuid"])


def test_get_team_ids_by_team_submission_uuid(team_submission, user):
    other = team_api.create_submission_for_team(COURSE, ITEM, "team-b", user.pk, ["anon-dave"], "b")
    result = team_api.get_team_ids_by_team_submission_uuid(
        [team_submission["team_submission_uuid"], uuid.UUID(other["team_submission_uuid"]), str(uuid.uuid4())]
    )
    assert result == {team_submission["team_submission_uuid"]: TEAM, other["team_submission_uuid"]: "team-b"}
    assert team_api.get_team_ids_by_team_submission_uuid([]) == {}
    for bad in (["not-a-uuid"], "a string", None):
        with pytest.raises(TeamSubmissionRequestError):
            team_api.get_team_ids_by_team_submission_uuid(bad)


# -- scores --


@pytest.fixture
def signals():
    calls = []

    def on_set(sender, **kwargs):
        calls.append(("set", kwargs["anonymous_user_id"]))

    def on_reset(sender, **kwargs):
        calls.append(("reset", kwargs["anonymous_user_id"]))

    score_set.connect(on_set, weak=False, dispatch_uid="team-on-set")
    score_reset.connect(on_reset, weak=False, dispatch_uid="team-on-reset")
    yield calls
    score_set.disconnect(dispatch_uid="team-on-set")
    score_reset.disconnect(dispatch_uid="team-on-reset")


def test_team_set_score(team_submission, signals):
    team_api.set_score(team_submission["team_submission_uuid"], 7, 10, "staff", "staff_override", "team grade")
    for member in MEMBERS:
        score = api.get_score(member_item(member))
        assert (score["points_earned"], score["points_possible"]) == (7, 10)
        assert score["annotations"][0]["annotation_type"] == "staff_override"
    assert sorted(signals) == sorted(("set", member) for member in MEMBERS)


def test_team_set_score_invalid_points_writes_nothing(team_submission, signals):
    with pytest.raises(ScoreValueError):
        team_api.set_score(team_submission["team_submission_uuid"], 11, 10)
    assert (Score.objects.count(), signals) == (0, [])


def test_team_set_score_is_atomic(team_submission, signals):
    """If one member's score fails, no member keeps a score."""
    inserts = []

    def fail_second_score(execute, sql, params, many, context):
        if sql.replace('"', "").replace("`", "").startswith("INSERT INTO submissions_score "):
            inserts.append(sql)
            if len(inserts) == 2:
                from django.db import DatabaseError

                raise DatabaseError("injected")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_second_score), pytest.raises(api.SubmissionInternalError):
        team_api.set_score(team_submission["team_submission_uuid"], 7, 10)
    assert Score.objects.count() == 0


def test_team_set_score_unknown_team_submission():
    with pytest.raises(TeamSubmissionNotFoundError):
        team_api.set_score(str(uuid.uuid4()), 1, 2)


def test_team_reset_scores(team_submission, signals):
    team_api.set_score(team_submission["team_submission_uuid"], 7, 10)
    signals.clear()
    team_api.reset_scores(team_submission["team_submission_uuid"])
    assert all(api.get_score(member_item(member)) is None for member in MEMBERS)
    assert sorted(signals) == sorted(("reset", member) for member in MEMBERS)
    assert team_api.get_team_submission(team_submission["team_submission_uuid"])["submission_uuids"]


def test_team_reset_scores_with_clear_state(team_submission):
    team_api.reset_scores(team_submission["team_submission_uuid"], clear_state=True)
    assert TeamSubmission.objects.count() == 0
    assert TeamSubmission._objects.get().status == "D"
    assert Submission.objects.count() == 0
    with pytest.raises(TeamSubmissionNotFoundError):
        team_api.get_team_submission(team_submission["team_submission_uuid"])
    with pytest.raises(SubmissionNotFoundError):
        api.get_submission(team_submission["submission_uuids"][0])


def test_team_reset_scores_is_atomic(team_submission):
    team_api.set_score(team_submission["team_submission_uuid"], 7, 10)
    with (
        connection.execute_wrapper(fail_on("UPDATE submissions_teamsubmission")),
        pytest.raises(TeamSubmissionInternalError),
    ):
        team_api.reset_scores(team_submission["team_submission_uuid"], clear_state=True)
    assert Score.objects.filter(reset=True).count() == 0
    assert Submission.objects.count() == 3
    assert TeamSubmission.objects.count() == 1


def test_team_reset_scores_unknown():
    with pytest.raises(TeamSubmissionNotFoundError):
        team_api.reset_scores(str(uuid.uuid4()))


def test_team_api_uses_the_api_module():
    """4.x callers patch ``submissions.team_api._api``."""
    assert team_api._api is api


@pytest.mark.parametrize(
    "args",
    [(None, ITEM, TEAM), (COURSE, None, TEAM), (COURSE, ITEM, 5), ("", "", ""), ("cours-é", "élément", "équipe")],
)
def test_team_reads_with_odd_ids_find_nothing_and_write_nothing(team_submission, args):
    before = counts()
    with pytest.raises(TeamSubmissionNotFoundError):
        team_api.get_team_submission_for_team(*args)
    if args[:2] != (COURSE, ITEM):
        assert team_api.get_all_team_submissions(*args[:2]) == []
    assert counts() == before


def test_team_submission_with_unicode_and_a_large_answer(user):
    answer = {"text": "ü" * 16_000}  # 96 002 characters once stored with \\u escapes
    data = team_api.create_submission_for_team("cours-é", "élément", "équipe", user.pk, ["membre-ü"], answer)
    assert team_api.get_team_submission(data["team_submission_uuid"])["answer"] == answer
    assert (
        team_api.get_team_submission_for_student(
            {"student_id": "membre-ü", "course_id": "cours-é", "item_id": "élément", "item_type": "openassessment"}
        )["team_id"]
        == "équipe"
    )
