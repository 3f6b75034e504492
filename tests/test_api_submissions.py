"""submissions.api: creating and reading individual submissions."""

import datetime
import decimal
import logging
import uuid
import warnings

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from submissions import api
from submissions.errors import (
    SubmissionInternalError,
    SubmissionNotFoundError,
    SubmissionRequestError,
)
from submissions.models import StudentItem, Submission
from tests.dbfaults import fail_on
from tests.factories import TeamSubmissionFactory

pytestmark = pytest.mark.django_db

SUBMISSION_KEYS = {
    "uuid",
    "student_item",
    "attempt_number",
    "submitted_at",
    "created_at",
    "answer",
    "team_submission_uuid",
}


def counts():
    return StudentItem.objects.count(), Submission._objects.count()


# -- create_submission: happy paths --


def test_create_submission_returns_the_dict_of_the_spec(student_item):
    data = api.create_submission(student_item, {"text": "The answer is 42."})
    assert set(data) == SUBMISSION_KEYS
    assert data["answer"] == {"text": "The answer is 42."}
    assert data["attempt_number"] == 1
    assert isinstance(data["uuid"], str) and str(uuid.UUID(data["uuid"])) == data["uuid"]
    assert isinstance(data["submitted_at"], datetime.datetime) and timezone.is_aware(data["submitted_at"])
    assert isinstance(data["created_at"], datetime.datetime) and timezone.is_aware(data["created_at"])
    assert data["team_submission_uuid"] is None
    item = StudentItem.objects.get()
    assert data["student_item"] == item.pk
    assert item.student_item_dict == student_item


def test_attempt_number_increments_and_can_be_given(student_item):
    assert api.create_submission(student_item, "one")["attempt_number"] == 1
    assert api.create_submission(student_item, "two")["attempt_number"] == 2
    assert api.create_submission(student_item, "given", attempt_number=7)["attempt_number"] == 7
    assert api.create_submission(student_item, "next")["attempt_number"] == 8
    assert api.create_submission(student_item, "zero", attempt_number=0)["attempt_number"] == 0


def test_attempt_number_ignores_soft_deleted_submissions(student_item):
    api.create_submission(student_item, "one")
    api.create_submission(student_item, "two")
    api.reset_score(student_item["student_id"], student_item["course_id"], student_item["item_id"], clear_state=True)
    assert api.create_submission(student_item, "again")["attempt_number"] == 1


def test_submitted_at_is_kept(student_item):
    when = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    data = api.create_submission(student_item, "x", submitted_at=when)
    assert data["submitted_at"] == when
    assert api.get_submission(data["uuid"])["submitted_at"] == when


def test_submitted_at_naive_and_iso_string(student_item):
    naive = datetime.datetime(2021, 5, 6, 7, 8, 9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = api.create_submission(student_item, "x", submitted_at=naive)
    assert data["submitted_at"] == timezone.make_aware(naive)
    data = api.create_submission(student_item, "y", submitted_at="2022-01-01T10:00:00+00:00")
    assert data["submitted_at"] == datetime.datetime(2022, 1, 1, 10, tzinfo=datetime.UTC)


def test_submitted_at_without_time_zone_support(student_item, settings):
    settings.USE_TZ = False
    aware = datetime.datetime(2022, 1, 1, 10, tzinfo=datetime.UTC)
    data = api.create_submission(student_item, "x", submitted_at=aware)
    assert data["submitted_at"] == timezone.make_naive(aware)


@pytest.mark.parametrize(
    "answer",
    [
        "plain text",
        "",
        0,
        3.5,
        True,
        [1, "two", {"three": 3}],
        {"nested": {"list": [None, False]}},
        {"unicode": "Ünïcødé ✓ 漢字 🎉"},
    ],
)
def test_answers_round_trip(student_item, answer):
    data = api.create_submission(student_item, answer)
    assert data["answer"] == answer
    assert api.get_submission(data["uuid"])["answer"] == answer
    assert api.get_submissions(student_item)[0]["answer"] == answer


def test_unicode_ids_are_kept(make_student_item):
    item = make_student_item(student_id="étudiant-✓", course_id="course-v1:Ü+名+2026", item_id="блок-1")
    data = api.create_submission(item, "x")
    assert api.get_submissions(item)[0]["uuid"] == data["uuid"]
    assert StudentItem.objects.get().student_item_dict == item


def test_answer_is_stored_as_ascii_json_text(student_item):
    data = api.create_submission(student_item, {"a": "é"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT raw_answer FROM submissions_submission WHERE id = %s", [Submission.objects.get().pk])
        (raw,) = cursor.fetchone()
    assert raw == '{"a": "\\u00e9"}'
    assert data["answer"] == {"a": "é"}


def test_answer_at_the_size_limit_is_accepted(student_item):
    answer = "x" * (Submission.MAXSIZE - 2)  # two quotes make it exactly MAXSIZE characters of JSON
    data = api.create_submission(student_item, answer)
    assert len(api.get_submission(data["uuid"])["answer"]) == Submission.MAXSIZE - 2


def test_create_logs(student_item, caplog):
    with caplog.at_level(logging.INFO, logger="submissions.api"):
        data = api.create_submission(student_item, "x")
    assert f"Created submission uuid={data['uuid']}" in caplog.text


def test_team_submission_link(student_item, user_factory):
    team_submission = TeamSubmissionFactory(submitted_by=user_factory())
    data = api.create_submission(student_item, "x", team_submission=team_submission)
    # A uuid.UUID, as 4.0.2's slug-related field gave it (the submission's own uuid stays a str).
    assert type(data["team_submission_uuid"]) is uuid.UUID and data["team_submission_uuid"] == team_submission.uuid
    for read in (api.get_submission(data["uuid"]), api.get_submission(data["uuid"])):  # uncached, then cached
        assert type(read["team_submission_uuid"]) is uuid.UUID and read["team_submission_uuid"] == team_submission.uuid
        assert type(read["uuid"]) is str
    (listed,) = api.get_submissions(student_item)
    assert type(listed["team_submission_uuid"]) is uuid.UUID


# -- create_submission: bad input writes nothing --


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"student_id": ""}, "student_id"),
        ({"student_id": "   "}, "student_id"),
        ({"course_id": ""}, "course_id"),
        ({"item_id": ""}, "item_id"),
        ({"item_type": ""}, "item_type"),
        ({"student_id": None}, "student_id"),
        ({"student_id": 42}, "student_id"),
        ({"course_id": ["a"]}, "course_id"),
        ({"item_id": b"bytes"}, "item_id"),
        ({"student_id": "s" * 256}, "student_id"),
        ({"course_id": "c" * 256}, "course_id"),
        ({"item_id": "i" * 256}, "item_id"),
        ({"item_type": "t" * 101}, "item_type"),
        ({"unknown_key": "x"}, "unknown_key"),
    ],
)
def test_invalid_student_item_is_rejected_without_writes(student_item, change, field):
    bad = {**student_item, **change}
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.create_submission(bad, "answer")
    assert field in excinfo.value.field_errors
    assert counts() == (0, 0)


@pytest.mark.parametrize("missing", ["student_id", "course_id", "item_id", "item_type"])
def test_missing_student_item_key_is_rejected(student_item, missing):
    bad = {key: value for key, value in student_item.items() if key != missing}
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.create_submission(bad, "answer")
    assert excinfo.value.field_errors[missing] == ["This field is required."]
    assert counts() == (0, 0)


@pytest.mark.parametrize("not_a_dict", [None, "student", ["a", "b"], 5])
def test_student_item_must_be_a_dict(not_a_dict):
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.create_submission(not_a_dict, "answer")
    assert "student_item" in excinfo.value.field_errors
    assert counts() == (0, 0)


class _Unserialisable:
    pass


def _circular():
    value = []
    value.append(value)
    return value


@pytest.mark.parametrize(
    "answer",
    [
        None,
        _Unserialisable(),
        {1, 2},
        b"bytes",
        decimal.Decimal("1.5"),
        datetime.date(2020, 1, 1),
        float("nan"),
        float("inf"),
        _circular(),
        {"k": object()},
    ],
)
def test_non_json_answers_are_rejected_without_orphan_student_item(student_item, answer):
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.create_submission(student_item, answer)
    assert "answer" in excinfo.value.field_errors
    assert counts() == (0, 0)


@pytest.mark.parametrize("size", [Submission.MAXSIZE - 1, Submission.MAXSIZE * 2])
def test_answers_over_the_limit_are_rejected(student_item, size):
    answer = "x" * size  # with its two quotes, more than MAXSIZE characters of JSON
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.create_submission(student_item, answer)
    assert "Maximum answer size exceeded" in excinfo.value.field_errors["answer"][0]
    assert counts() == (0, 0)


def test_size_limit_counts_the_stored_ascii_escapes(student_item):
    # 20 000 "é" are 20 002 characters but 120 002 once stored with \\u escapes.
    with pytest.raises(SubmissionRequestError):
        api.create_submission(student_item, "é" * 20_000)
    assert counts() == (0, 0)


@pytest.mark.parametrize("attempt", [-1, "1", 1.0, True, None.__class__, 2**31])
def test_invalid_attempt_number(student_item, attempt):
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.create_submission(student_item, "x", attempt_number=attempt)
    assert "attempt_number" in excinfo.value.field_errors
    assert counts() == (0, 0)


@pytest.mark.parametrize("when", ["yesterday", 12345, datetime.date(2020, 1, 1), ["2020-01-01"]])
def test_invalid_submitted_at(student_item, when):
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.create_submission(student_item, "x", submitted_at=when)
    assert "submitted_at" in excinfo.value.field_errors
    assert counts() == (0, 0)


def test_invalid_team_submission(student_item):
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.create_submission(student_item, "x", team_submission="not a team submission")
    assert "team_submission" in excinfo.value.field_errors
    assert counts() == (0, 0)


def test_existing_item_with_another_item_type_is_a_request_error(student_item):
    api.create_submission(student_item, "x")
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.create_submission({**student_item, "item_type": "problem"}, "y")
    assert "item_type" in excinfo.value.field_errors
    assert counts() == (1, 1)


def test_a_failed_insert_leaves_no_student_item(student_item):
    """The StudentItem and the Submission are written in one transaction."""
    with (
        connection.execute_wrapper(fail_on("INSERT INTO submissions_submission")),
        pytest.raises(SubmissionInternalError),
    ):
        api.create_submission(student_item, "x")
    assert counts() == (0, 0)


# -- get_submission --


def test_get_submission_by_str_and_uuid(student_item):
    data = api.create_submission(student_item, "x")
    assert api.get_submission(data["uuid"]) == data
    assert api.get_submission(uuid.UUID(data["uuid"])) == data
    assert api.get_submission(data["uuid"].replace("-", "")) == data
    assert api.get_submission(data["uuid"].upper()) == data


@pytest.mark.parametrize("bad", [None, 123, 1.5, ["uuid"], {"uuid": "x"}, b"bytes"])
def test_get_submission_rejects_non_strings(bad):
    with pytest.raises(SubmissionRequestError):
        api.get_submission(bad)


def test_get_submission_unknown_is_not_found():
    with pytest.raises(SubmissionNotFoundError):
        api.get_submission(str(uuid.uuid4()))


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "12345", "ü" * 36])
def test_get_submission_malformed_is_internal(bad):
    with pytest.raises(SubmissionInternalError) as excinfo:
        api.get_submission(bad)
    assert "is not a valid UUID" in str(excinfo.value)


def test_get_submission_hides_soft_deleted(student_item):
    data = api.create_submission(student_item, "x")
    Submission.objects.update(status="D")
    with pytest.raises(SubmissionNotFoundError):
        api.get_submission(data["uuid"])


def test_undecodable_stored_answer_is_an_internal_error_without_warning_filters(student_item):
    data = api.create_submission(student_item, "x")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE submissions_submission SET raw_answer = %s", ["{not json"])
    before = list(warnings.filters)
    with pytest.raises(SubmissionInternalError) as excinfo:
        api.get_submission(data["uuid"])
    assert "not valid JSON" in str(excinfo.value)
    with pytest.raises(SubmissionInternalError):
        api.get_submission_and_student(data["uuid"])
    with pytest.raises(SubmissionInternalError):
        api.get_submissions(student_item)
    assert list(warnings.filters) == before


def test_get_submission_and_student(student_item):
    data = api.create_submission(student_item, "x")
    full = api.get_submission_and_student(data["uuid"])
    assert full["student_item"] == student_item
    assert {key: value for key, value in full.items() if key != "student_item"} == {
        key: value for key, value in data.items() if key != "student_item"
    }


def test_get_submission_and_student_errors():
    with pytest.raises(SubmissionNotFoundError):
        api.get_submission_and_student(str(uuid.uuid4()))
    with pytest.raises(SubmissionRequestError):
        api.get_submission_and_student(42)


# -- get_submissions --


def test_get_submissions_newest_first_and_limit(student_item):
    base = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    first = api.create_submission(student_item, "1", submitted_at=base)
    second = api.create_submission(student_item, "2", submitted_at=base + datetime.timedelta(days=1))
    third = api.create_submission(student_item, "3", submitted_at=base + datetime.timedelta(days=1))
    rows = api.get_submissions(student_item)
    assert [row["uuid"] for row in rows] == [third["uuid"], second["uuid"], first["uuid"]]
    assert all(set(row) == SUBMISSION_KEYS for row in rows)
    assert [row["uuid"] for row in api.get_submissions(student_item, limit=2)] == [third["uuid"], second["uuid"]]
    assert len(api.get_submissions(student_item, limit=0)) == 3


def test_get_submissions_of_unknown_item_creates_nothing(student_item):
    with CaptureQueriesContext(connection) as queries:
        assert api.get_submissions(student_item) == []
    assert counts() == (0, 0)
    assert not [q for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]


def test_get_submissions_validates_its_input(student_item):
    with pytest.raises(SubmissionRequestError):
        api.get_submissions({**student_item, "student_id": ""})
    with pytest.raises(SubmissionRequestError):
        api.get_submissions("not a dict")
    with pytest.raises(SubmissionRequestError):
        api.get_submissions(student_item, limit=-1)
    with pytest.raises(SubmissionRequestError):
        api.get_submissions(student_item, limit="3")
    assert counts() == (0, 0)


def test_get_submissions_filters_other_students_and_item_types(student_item, other_student_item):
    api.create_submission(student_item, "mine")
    api.create_submission(other_student_item, "theirs")
    assert [row["answer"] for row in api.get_submissions(student_item)] == ["mine"]
    assert api.get_submissions({**student_item, "item_type": "problem"}) == []
    assert counts() == (2, 2)


def test_get_submissions_without_item_type_key(student_item):
    api.create_submission(student_item, "mine")
    lookup = {key: value for key, value in student_item.items() if key != "item_type"}
    assert [row["answer"] for row in api.get_submissions(lookup)] == ["mine"]
