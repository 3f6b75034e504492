"""The core models: tables, columns, soft delete, score helpers, and the storage cache (#15)."""

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from submissions import models
from submissions.models import (
    Score,
    ScoreAnnotation,
    ScoreSummary,
    StudentItem,
    Submission,
    TeamSubmission,
)
from tests.factories import ScoreFactory, StudentItemFactory, SubmissionFactory, TeamSubmissionFactory


def test_tables_and_columns_of_edx_submissions():
    assert StudentItem._meta.db_table == "submissions_studentitem"
    assert Submission._meta.db_table == "submissions_submission"
    assert TeamSubmission._meta.db_table == "submissions_teamsubmission"
    assert Score._meta.db_table == "submissions_score"
    assert ScoreSummary._meta.db_table == "submissions_scoresummary"
    assert ScoreAnnotation._meta.db_table == "submissions_scoreannotation"
    assert Submission._meta.get_field("answer").column == "raw_answer"
    assert Submission._meta.get_field("student_item").column == "student_item_id"
    assert TeamSubmission._meta.get_field("submitted_by").column == "submitted_by_id"
    assert Submission.MAXSIZE == 102400
    assert ScoreSummary._meta.verbose_name_plural == "Score Summaries"


def test_module_level_names_the_migrations_use():
    for name in ("AnonymizedUserIDField", "get_storage", "submission_file_path", "_get_storage_cached"):
        assert hasattr(models, name)


@pytest.mark.django_db
def test_student_item_unique_on_course_student_item():
    item = StudentItemFactory(student_id="s", course_id="c", item_id="i", item_type="a")
    assert item.student_item_dict == {"student_id": "s", "course_id": "c", "item_id": "i", "item_type": "a"}
    with pytest.raises(IntegrityError), transaction.atomic():
        StudentItem.objects.create(student_id="s", course_id="c", item_id="i", item_type="other type")
    assert "StudentItem(" in repr(item)


@pytest.mark.django_db
def test_soft_delete_managers():
    active = SubmissionFactory()
    deleted = SubmissionFactory(status="D")
    assert list(Submission.objects.all()) == [active]
    assert set(Submission._objects.all()) == {active, deleted}
    team = TeamSubmissionFactory(status="D")
    assert TeamSubmission.objects.count() == 0
    assert list(TeamSubmission._objects.all()) == [team]


@pytest.mark.django_db
def test_submission_ordering_and_cache_key():
    older = SubmissionFactory()
    newer = SubmissionFactory(student_item=older.student_item, submitted_at=older.submitted_at)
    assert list(Submission.objects.filter(student_item=older.student_item)) == [newer, older]
    assert Submission.get_cache_key(older.uuid) == f"submissions.submission.{older.uuid}"
    assert TeamSubmission.get_cache_key("u") == "submissions.team_submission.u"


@pytest.mark.django_db
def test_answer_column_is_ascii_json_text():
    submission = SubmissionFactory(answer={"text": "naïve ☃"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT raw_answer FROM submissions_submission WHERE id = %s", [submission.pk])
        assert cursor.fetchone()[0] == '{"text": "na\\u00efve \\u2603"}'
    submission.refresh_from_db()
    assert submission.answer == {"text": "naïve ☃"}


@pytest.mark.django_db
def test_undecodable_answer_is_a_marker_not_an_exception():
    submission = SubmissionFactory()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE submissions_submission SET raw_answer = %s", ["nope{"])
    loaded = list(Submission.objects.all())  # the queryset itself still loads
    from submissions.models.fields import UndecodableJSON

    assert isinstance(loaded[0].answer, UndecodableJSON)
    assert loaded[0].pk == submission.pk


@pytest.mark.django_db
def test_score_helpers():
    score = ScoreFactory(points_earned=3, points_possible=4)
    assert score.to_float() == 0.75
    assert not score.is_hidden()
    assert score.submission_uuid == str(score.submission.uuid)
    reset = Score.create_reset_score(score.student_item)
    assert (reset.points_earned, reset.points_possible, reset.reset, reset.submission_uuid) == (0, 0, True, None)
    assert reset.to_float() is None and reset.is_hidden()


@pytest.mark.django_db
def test_summary_is_maintained_on_every_new_score():
    first = ScoreFactory(points_earned=1, points_possible=2)
    item, submission = first.student_item, first.submission
    summary = ScoreSummary.objects.get(student_item=item)
    assert summary.latest == summary.highest == first
    better = ScoreFactory(submission=submission, points_earned=2, points_possible=2)
    worse = ScoreFactory(submission=submission, points_earned=0, points_possible=2)
    summary.refresh_from_db()
    assert (summary.latest, summary.highest) == (worse, better)
    hidden = ScoreFactory(submission=submission, points_earned=0, points_possible=0)
    summary.refresh_from_db()
    assert (summary.latest, summary.highest) == (hidden, better)  # a hidden score never becomes the highest
    reset = Score.create_reset_score(item)
    summary.refresh_from_db()
    assert summary.latest == summary.highest == reset
    after = ScoreFactory(submission=submission, points_earned=1, points_possible=4)
    summary.refresh_from_db()
    assert summary.latest == summary.highest == after


def test_replaces_highest_rules():
    def score(earned, possible, reset=False):
        return Score(points_earned=earned, points_possible=possible, reset=reset)

    assert ScoreSummary.replaces_highest(score(0, 0, reset=True), score(5, 5))
    assert ScoreSummary.replaces_highest(score(1, 5), score(0, 0))
    assert not ScoreSummary.replaces_highest(score(0, 0), score(1, 5))
    assert ScoreSummary.replaces_highest(score(3, 5), score(1, 5))
    assert not ScoreSummary.replaces_highest(score(1, 5), score(1, 5))  # strictly greater


def test_storage_cache_follows_override_settings(tmp_path):
    """4.x cached the storage for the process: override_settings(EDX_SUBMISSIONS=...) had no effect."""
    assert models.get_storage() is default_storage
    media = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}
    with override_settings(EDX_SUBMISSIONS={"MEDIA": media}):
        storage = models.get_storage()
        assert isinstance(storage, FileSystemStorage)
        assert storage.location == str(tmp_path)
        assert models.get_storage() is storage  # still cached while the settings stay
    assert models.get_storage() is default_storage


@pytest.mark.django_db
def test_4x_serializers_of_grader_rows():
    from submissions import api
    from submissions.models import ExternalGraderDetail
    from submissions.serializers import ExternalGraderDetailSerializer, RawField

    item = {"student_id": "s", "course_id": "c", "item_id": "i", "item_type": "problem"}
    data = api.create_submission(item, {"code": "print(1)"})
    row = ExternalGraderDetail.objects.create(submission=Submission.objects.get(), queue_name="q", queue_key="k")
    serialized = ExternalGraderDetailSerializer(row).data
    assert serialized["queue_name"] == "q"
    assert serialized["status"] == "pending"
    assert serialized["submission"]["uuid"] == data["uuid"]
    assert serialized["submission"]["answer"] == {"code": "print(1)"}
    assert serialized["submission"]["status"] == "A"
    assert serialized["submission"]["team_submission"] is None
    assert RawField().to_representation({"a": 1}) == {"a": 1}


# -- the 4.x TeamSubmission lookups (re-read against edx-submissions 4.0.2, issue 13) --


def test_team_submission_lookups_of_4x(user_factory):
    from submissions import team_api
    from submissions.errors import TeamSubmissionInternalError, TeamSubmissionNotFoundError
    from submissions.models import STATUS_CHOICES, StudentItem, TeamSubmission

    data = team_api.create_submission_for_team("course", "item", "team-a", user_factory().pk, ["m1", "m2"], "x")
    row = TeamSubmission.get_team_submission_by_uuid(data["team_submission_uuid"])
    assert str(row.uuid) == data["team_submission_uuid"] and str(row) == f"Team Submission {row.uuid}"
    assert {member.uuid for member in row.submissions.all()} == set(data["submission_uuids"])
    assert TeamSubmission.get_team_submission_by_course_item_team("course", "item", "team-a") == row
    assert TeamSubmission.get_team_submission_by_student_item(StudentItem.objects.get(student_id="m1")) == row
    assert list(TeamSubmission.get_all_team_submissions_for_course_item("course", "item")) == [row]
    with pytest.raises(TeamSubmissionNotFoundError):
        TeamSubmission.get_team_submission_by_uuid("00000000-0000-4000-8000-000000000000")
    with pytest.raises(TeamSubmissionNotFoundError):
        TeamSubmission.get_team_submission_by_course_item_team("course", "item", "team-b")
    with pytest.raises(TeamSubmissionInternalError, match="is not a valid UUID"):
        TeamSubmission.get_team_submission_by_uuid("not-a-uuid")
    team_api.reset_scores(data["team_submission_uuid"], clear_state=True)
    with pytest.raises(TeamSubmissionNotFoundError):
        TeamSubmission.get_team_submission_by_uuid(data["team_submission_uuid"])
    assert STATUS_CHOICES == (("D", "Deleted"), ("A", "Active"))
