"""
``submissions.api.get_latest_scores_for_submissions``: the newest score of many submissions in a constant
number of queries, answering for each exactly what ``get_latest_score_for_submission`` answers one by one.
"""

import uuid

import pytest
from django.db import connection

from submissions import api
from submissions.errors import SubmissionInternalError, SubmissionRequestError
from submissions.services import scores
from tests.dbfaults import fail_on
from tests.test_api_reads import _store_hyphenated, legacy_uuid_database_only

pytestmark = pytest.mark.django_db


def _item(student_id, item_id="problem-1"):
    return {"student_id": student_id, "course_id": "course-v1:Bulk+Scores+2026", "item_id": item_id, "item_type": "p"}


@pytest.fixture
def mixed():
    """Submissions in every state a score read distinguishes; returns their uuids in order."""
    plain = api.create_submission(_item("a"), "plain")
    api.set_score(plain["uuid"], 1, 4)
    rescored = api.create_submission(_item("b"), "rescored")
    api.set_score(rescored["uuid"], 1, 4)
    api.set_score(rescored["uuid"], 3, 4, "staff", "manual_grade", "why")  # newest, annotated
    superseded = api.create_submission(_item("c"), "first attempt")
    api.set_score(superseded["uuid"], 2, 4)
    newer = api.create_submission(_item("c"), "second attempt")
    api.set_score(newer["uuid"], 4, 4)  # the item's latest score is the newer submission's
    api.reset_score("c", "course-v1:Bulk+Scores+2026", "problem-1")  # resets of the item are ignored
    unscored = api.create_submission(_item("d"), "waiting")
    hidden = api.create_submission(_item("e"), "hidden")
    api.set_score(hidden["uuid"], 2, 4)
    api.set_score(hidden["uuid"], 0, 0)  # a hidden newest score: None, not the older one
    deleted = api.create_submission(_item("f"), "deleted")
    api.set_score(deleted["uuid"], 1, 4)
    api.reset_score("f", "course-v1:Bulk+Scores+2026", "problem-1", clear_state=True)
    return [s["uuid"] for s in (plain, rescored, superseded, newer, unscored, hidden, deleted)] + [str(uuid.uuid4())]


def test_the_same_answers_as_one_by_one(mixed):
    one_by_one = {u: api.get_latest_score_for_submission(u) for u in mixed}
    bulk = api.get_latest_scores_for_submissions(mixed)
    assert bulk == {u: score for u, score in one_by_one.items() if score is not None}
    assert [bulk[u]["points_earned"] for u in mixed[:4]] == [1, 3, 2, 4]
    assert bulk[mixed[1]]["annotations"] == [{"creator": "staff", "reason": "why", "annotation_type": "manual_grade"}]
    assert set(bulk) == set(mixed[:4])  # unscored, hidden, deleted and unknown ones are left out


def test_uuids_in_any_form_answer_under_their_hyphenated_string(mixed):
    plain = uuid.UUID(mixed[0])
    asked = [plain, plain.hex.upper(), f"{{{plain}}}", None, mixed[1]]  # None members are skipped
    assert set(api.get_latest_scores_for_submissions(asked)) == {mixed[0], mixed[1]}
    assert api.get_latest_scores_for_submissions([]) == {}
    assert api.get_latest_scores_for_submissions(iter(mixed[:1])).keys() == {mixed[0]}


def test_the_number_of_queries_does_not_grow_with_the_submissions(django_assert_num_queries):
    uuids = []
    for index in range(40):
        submission = api.create_submission(_item(f"learner-{index}"), "answer")
        api.set_score(submission["uuid"], index % 5, 4, "staff", "manual_grade", f"note {index}")
        api.set_score(submission["uuid"], index % 5, 4, "staff", "manual_grade", f"again {index}")
        uuids.append(submission["uuid"])
    for count in (1, 40):
        with django_assert_num_queries(3):  # submissions, newest scores, their annotations
            found = api.get_latest_scores_for_submissions(uuids[:count])
        assert len(found) == count
        assert [found[u]["annotations"][0]["reason"] for u in uuids[:count]] == [f"again {i}" for i in range(count)]


def test_many_uuids_are_read_in_chunks(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(scores, "SCORE_READ_CHUNK", 2)
    uuids = []
    for index in range(5):
        submission = api.create_submission(_item(f"chunked-{index}"), "answer")
        api.set_score(submission["uuid"], 1, 1)
        uuids.append(submission["uuid"])
    with django_assert_num_queries(9):  # 3 chunks of 3 queries
        assert set(api.get_latest_scores_for_submissions(uuids + uuids)) == set(uuids)  # duplicates asked once


@pytest.mark.parametrize("bad", ["not-a-list", b"bytes", 42, ["not-a-uuid"], [42]])
def test_bad_input_is_a_request_error_before_any_query(bad, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(SubmissionRequestError) as caught:
        api.get_latest_scores_for_submissions(bad)
    assert "submission_uuids" in caught.value.field_errors


def test_a_database_error_is_an_internal_error(mixed):
    with connection.execute_wrapper(fail_on("SELECT")), pytest.raises(SubmissionInternalError):
        api.get_latest_scores_for_submissions(mixed)


@legacy_uuid_database_only
def test_legacy_hyphenated_uuids_are_found_as_one_by_one(django_assert_num_queries):
    legacy = api.create_submission(_item("old"), "x")
    api.set_score(legacy["uuid"], 1, 2)
    current = api.create_submission(_item("new"), "y")
    api.set_score(current["uuid"], 2, 2)
    _store_hyphenated(uuid.UUID(legacy["uuid"]))
    with django_assert_num_queries(4):  # one more, for the uuid not found in its 32-digit form
        found = api.get_latest_scores_for_submissions([legacy["uuid"], current["uuid"]])
    assert found == {u: api.get_latest_score_for_submission(u) for u in (legacy["uuid"], current["uuid"])}
