"""submissions.api: scores (set, reset, read), the score signals and the score summary."""

import datetime
import decimal
import logging
import uuid

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from submissions import api
from submissions.errors import (
    ScoreValueError,
    SubmissionInternalError,
    SubmissionNotFoundError,
    SubmissionRequestError,
)
from submissions.models import Score, ScoreAnnotation, ScoreSummary, StudentItem, Submission
from submissions.signals import score_reset, score_set
from tests.dbfaults import fail_on

pytestmark = pytest.mark.django_db

SCORE_KEYS = {"student_item", "submission", "points_earned", "points_possible", "created_at", "submission_uuid"}


@pytest.fixture
def received():
    """Collects ``(signal name, sender, kwargs)`` of score_set and score_reset."""
    calls = []

    def on_set(sender, **kwargs):
        kwargs.pop("signal")
        calls.append(("score_set", sender, kwargs))

    def on_reset(sender, **kwargs):
        kwargs.pop("signal")
        calls.append(("score_reset", sender, kwargs))

    score_set.connect(on_set, weak=False, dispatch_uid="test-on-set")
    score_reset.connect(on_reset, weak=False, dispatch_uid="test-on-reset")
    yield calls
    score_set.disconnect(dispatch_uid="test-on-set")
    score_reset.disconnect(dispatch_uid="test-on-reset")


@pytest.fixture
def submission(student_item):
    return api.create_submission(student_item, "answer")


def reset(student_item, **kwargs):
    api.reset_score(student_item["student_id"], student_item["course_id"], student_item["item_id"], **kwargs)


# -- set_score --


def test_set_score_and_get_score(student_item, submission, received):
    api.set_score(submission["uuid"], 11, 12)
    score = api.get_score(student_item)
    assert set(score) == SCORE_KEYS | {"annotations"}
    assert score["points_earned"] == 11
    assert score["points_possible"] == 12
    assert score["submission_uuid"] == submission["uuid"]
    assert score["submission"] == Submission.objects.get().pk
    assert score["student_item"] == submission["student_item"]
    assert isinstance(score["created_at"], datetime.datetime)
    assert score["annotations"] == []
    stored = Score.objects.get()
    assert received == [
        (
            "score_set",
            None,
            {
                "points_possible": 12,
                "points_earned": 11,
                "anonymous_user_id": student_item["student_id"],
                "course_id": student_item["course_id"],
                "item_id": student_item["item_id"],
                "created_at": stored.created_at,
            },
        )
    ]


def test_set_score_with_annotation(student_item, submission):
    api.set_score(submission["uuid"], 3, 4, "staff-anon-id", "staff_override", "Regraded by hand")
    score = api.get_score(student_item)
    assert score["annotations"] == [
        {"creator": "staff-anon-id", "reason": "Regraded by hand", "annotation_type": "staff_override"}
    ]
    api.set_score(submission["uuid"], 1, 4, "staff-anon-id", "staff_override", None)
    assert ScoreAnnotation.objects.order_by("id").last().reason == ""


def test_set_score_accepts_integral_floats_and_stores_ints(submission, received):
    api.set_score(submission["uuid"], 1.0, 2.0)
    api.set_score(submission["uuid"], decimal.Decimal("2"), 2)
    stored = list(Score.objects.order_by("id").values_list("points_earned", "points_possible"))
    assert stored == [(1, 2), (2, 2)]
    assert [type(call[2]["points_earned"]) for call in received] == [int, int]


def test_set_score_accepts_zero_of_zero(student_item, submission):
    api.set_score(submission["uuid"], 0, 0)
    assert Score.objects.count() == 1
    assert api.get_score(student_item) is None  # hidden


def test_set_score_logs(submission, caplog):
    with caplog.at_level(logging.INFO, logger="submissions.api"):
        api.set_score(submission["uuid"], 1, 2)
    assert f"Score of (1/2) set for submission {submission['uuid']}" in caplog.text


@pytest.mark.parametrize(
    ("earned", "possible", "field"),
    [
        (50, 1, "points_earned"),  # 4.x stored 50/1
        (3, 2, "points_earned"),
        (-1, 2, "points_earned"),
        (1, -2, "points_possible"),
        (None, 2, "points_earned"),
        (1, None, "points_possible"),
        (True, 2, "points_earned"),
        (1, False, "points_possible"),
        (1.5, 2, "points_earned"),
        (1, 2.5, "points_possible"),
        (float("nan"), 2, "points_earned"),
        (1, float("inf"), "points_possible"),
        ("1", 2, "points_earned"),
        (1, "2", "points_possible"),
        ([1], 2, "points_earned"),
        (decimal.Decimal("0.5"), 1, "points_earned"),
        (1, 2**31, "points_possible"),
    ],
)
def test_set_score_rejects_invalid_points_writing_and_sending_nothing(submission, received, earned, possible, field):
    with pytest.raises(ScoreValueError) as excinfo:
        api.set_score(submission["uuid"], earned, possible)
    error = excinfo.value
    assert isinstance(error, SubmissionRequestError)
    assert isinstance(error, SubmissionInternalError)
    assert field in error.field_errors
    assert Score.objects.count() == 0
    assert ScoreSummary.objects.count() == 0
    assert received == []


@pytest.mark.parametrize(
    ("creator", "kind", "reason", "field"),
    [
        ("", "staff_override", "r", "annotation_creator"),
        ("staff", None, "r", "annotation_type"),
        ("staff", "", "r", "annotation_type"),
        ("staff", "t" * 256, "r", "annotation_type"),
        (42, "staff_override", "r", "annotation_creator"),
        ("staff", "staff_override", 42, "annotation_reason"),
    ],
)
def test_set_score_rejects_invalid_annotations(submission, received, creator, kind, reason, field):
    with pytest.raises(ScoreValueError) as excinfo:
        api.set_score(submission["uuid"], 1, 2, creator, kind, reason)
    assert field in excinfo.value.field_errors
    assert (Score.objects.count(), ScoreAnnotation.objects.count(), received) == (0, 0, [])


def test_set_score_unknown_or_malformed_submission(received):
    with pytest.raises(SubmissionNotFoundError):
        api.set_score(str(uuid.uuid4()), 1, 2)
    with pytest.raises(SubmissionNotFoundError):
        api.set_score("not-a-uuid", 1, 2)
    with pytest.raises(SubmissionNotFoundError):
        api.set_score(None, 1, 2)
    assert received == []


def test_set_score_of_soft_deleted_submission_is_not_found(student_item, submission):
    reset(student_item, clear_state=True)
    with pytest.raises(SubmissionNotFoundError):
        api.set_score(submission["uuid"], 1, 2)


def test_set_score_database_error_surfaces_and_stores_nothing(submission, received):
    """4.x swallowed IntegrityError here: the score was lost silently."""
    with (
        connection.execute_wrapper(fail_on("INSERT INTO submissions_scoresummary")),
        pytest.raises(SubmissionInternalError),
    ):
        api.set_score(submission["uuid"], 1, 2)
    assert (Score.objects.count(), ScoreSummary.objects.count(), received) == (0, 0, [])


def test_a_failing_score_set_receiver_rolls_the_score_back(submission):
    def explode(sender, **kwargs):
        raise RuntimeError("receiver failed")

    score_set.connect(explode, weak=False, dispatch_uid="test-explode")
    try:
        with pytest.raises(RuntimeError):
            api.set_score(submission["uuid"], 1, 2)
    finally:
        score_set.disconnect(dispatch_uid="test-explode")
    assert (Score.objects.count(), ScoreSummary.objects.count()) == (0, 0)


def test_score_set_is_sent_inside_the_callers_transaction(submission):
    seen = []

    def check(sender, **kwargs):
        seen.append(connection.in_atomic_block)

    score_set.connect(check, weak=False, dispatch_uid="test-check")
    try:
        api.set_score(submission["uuid"], 1, 2)
    finally:
        score_set.disconnect(dispatch_uid="test-check")
    assert seen == [True]


# -- the score summary --


def test_summary_latest_and_highest(student_item, submission):
    api.set_score(submission["uuid"], 1, 4)
    api.set_score(submission["uuid"], 3, 4)
    api.set_score(submission["uuid"], 2, 4)
    summary = ScoreSummary.objects.get()
    assert (summary.latest.points_earned, summary.highest.points_earned) == (2, 3)
    assert api.get_score(student_item)["points_earned"] == 2  # the latest, not the highest


@pytest.mark.parametrize("host_receiver", [False, True], ids=["summary receiver alone", "with a host receiver"])
def test_score_writes_reach_post_save_receivers_and_the_summary(student_item, submission, host_receiver):
    """
    With only the library's summary receiver listening, a score is inserted by hand and the summary
    updated directly; a host's ``post_save`` receiver for Score makes the ORM's save run, and it sees
    every score. The summary is the same either way.
    """
    from django.db.models.signals import post_save

    from submissions.db.rows import has_save_receivers
    from submissions.receivers import update_score_summary

    saved = []

    def on_save(sender, instance, created, **kwargs):
        saved.append((instance.pk, instance.points_earned, created))

    if host_receiver:
        post_save.connect(on_save, sender=Score)
    try:
        assert has_save_receivers(Score, besides=(update_score_summary,)) is host_receiver
        api.set_score(submission["uuid"], 3, 4)
        api.set_score(submission["uuid"], 1, 4)
    finally:
        post_save.disconnect(on_save, sender=Score)
    scores = list(Score.objects.order_by("pk").values_list("pk", "points_earned"))
    assert scores == [(scores[0][0], 3), (scores[1][0], 1)]
    assert saved == ([(pk, earned, True) for pk, earned in scores] if host_receiver else [])
    summary = ScoreSummary.objects.get()
    assert (summary.latest.points_earned, summary.highest.points_earned) == (1, 3)


def test_summary_after_reset(student_item, submission):
    api.set_score(submission["uuid"], 3, 4)
    reset(student_item)
    summary = ScoreSummary.objects.get()
    assert summary.latest.reset and summary.highest.reset
    api.set_score(submission["uuid"], 1, 4)
    summary.refresh_from_db()
    assert summary.latest.points_earned == 1
    assert summary.highest.points_earned == 1  # the old highest was hidden


# -- reset_score --


def test_reset_score_hides_the_score_and_signals(student_item, submission, received):
    api.set_score(submission["uuid"], 3, 4)
    received.clear()
    reset(student_item)
    assert api.get_score(student_item) is None
    reset_row = Score.objects.get(reset=True)
    assert (reset_row.points_earned, reset_row.points_possible, reset_row.submission_id) == (0, 0, None)
    assert received == [
        (
            "score_reset",
            None,
            {
                "anonymous_user_id": student_item["student_id"],
                "course_id": student_item["course_id"],
                "item_id": student_item["item_id"],
                "created_at": reset_row.created_at,
            },
        )
    ]
    # The submission itself is still there without clear_state.
    assert api.get_submission(submission["uuid"])["uuid"] == submission["uuid"]


def test_reset_score_without_signal(student_item, submission, received):
    reset(student_item, emit_signal=False)
    assert Score.objects.filter(reset=True).count() == 1
    assert received == []


def test_reset_unknown_item_is_a_no_op(student_item, received):
    reset(student_item)
    assert (StudentItem.objects.count(), Score.objects.count(), received) == (0, 0, [])


@pytest.mark.parametrize(
    "args",
    [("", "course", "item"), ("student", None, "item"), ("student", "course", 5), ("s" * 256, "c", "i")],
)
def test_reset_score_rejects_invalid_ids(args):
    with pytest.raises(SubmissionRequestError):
        api.reset_score(*args)


def test_reset_with_clear_state_soft_deletes_and_clears_the_cache(student_item, submission, received):
    second = api.create_submission(student_item, "second")
    api.get_submission(submission["uuid"])
    api.get_submission(second["uuid"])
    assert cache.get(Submission.get_cache_key(submission["uuid"])) is not None
    seen_by_receiver = []

    def on_reset(sender, **kwargs):
        seen_by_receiver.append(Submission.objects.count())

    score_reset.connect(on_reset, weak=False, dispatch_uid="test-seen")
    try:
        reset(student_item, clear_state=True)
    finally:
        score_reset.disconnect(dispatch_uid="test-seen")
    assert seen_by_receiver == [0]  # 4.x signalled before the soft deletes
    assert Submission.objects.count() == 0
    assert Submission._objects.filter(status="D").count() == 2
    assert cache.get(Submission.get_cache_key(submission["uuid"])) is None
    assert cache.get(Submission.get_cache_key(second["uuid"])) is None
    with pytest.raises(SubmissionNotFoundError):
        api.get_submission(submission["uuid"])
    assert api.get_submissions(student_item) == []


def test_reset_is_atomic(student_item, submission, received):
    """A failure of the soft delete rolls the reset score back, and no signal is sent."""
    api.set_score(submission["uuid"], 3, 4)
    received.clear()
    with (
        connection.execute_wrapper(fail_on("UPDATE submissions_submission")),
        pytest.raises(SubmissionInternalError),
    ):
        reset(student_item, clear_state=True)
    assert Score.objects.filter(reset=True).count() == 0
    assert api.get_score(student_item)["points_earned"] == 3
    assert Submission.objects.count() == 1
    assert received == []


def test_reset_inside_a_callers_transaction_rolls_back_with_it(student_item, submission):
    api.set_score(submission["uuid"], 3, 4)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        reset(student_item, clear_state=True)
        1 / 0  # noqa: B018
    assert Score.objects.filter(reset=True).count() == 0
    assert Submission.objects.count() == 1


# -- get_score / get_scores / get_latest_score_for_submission --


def test_get_score_none_cases(student_item, submission):
    assert api.get_score(student_item) is None  # no score
    assert api.get_score({**student_item, "student_id": "nobody"}) is None  # no item
    assert StudentItem.objects.count() == 1


def test_get_score_without_item_type(student_item, submission):
    api.set_score(submission["uuid"], 1, 2)
    lookup = {key: value for key, value in student_item.items() if key != "item_type"}
    assert api.get_score(lookup)["points_earned"] == 1
    assert api.get_score({**student_item, "item_type": "other"}) is None


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"student_id": "a", "course_id": "c", "item_id": "i", "bogus": 1}, "bogus"),
        ({"student_id": "a", "course_id": "c", "item_id": "i", "student_item__id": 1}, "student_item__id"),
        ({"student_id": "a", "course_id": "c"}, "item_id"),
        ({"student_id": 1, "course_id": "c", "item_id": "i"}, "student_id"),
        ("not a dict", "student_item"),
    ],
)
def test_get_score_bad_input_is_a_request_error(bad, field):
    """4.x leaked Django's FieldError for unknown keys."""
    with pytest.raises(SubmissionRequestError) as excinfo:
        api.get_score(bad)
    assert field in excinfo.value.field_errors


def test_get_scores(student_item, submission):
    other_item = {**student_item, "item_id": "item-2"}
    other = api.create_submission(other_item, "x")
    hidden_item = {**student_item, "item_id": "item-3"}
    hidden = api.create_submission(hidden_item, "y")
    other_course = api.create_submission({**student_item, "course_id": "other-course"}, "z")
    api.set_score(submission["uuid"], 1, 2)
    api.set_score(other["uuid"], 2, 2)
    api.set_score(hidden["uuid"], 2, 2)
    api.set_score(other_course["uuid"], 2, 2)
    reset(hidden_item)
    with_queries = api.get_scores(student_item["course_id"], student_item["student_id"])
    assert set(with_queries) == {student_item["item_id"], "item-2"}
    assert set(with_queries["item-2"]) == SCORE_KEYS
    assert with_queries[student_item["item_id"]]["points_earned"] == 1
    assert with_queries[student_item["item_id"]]["submission_uuid"] == submission["uuid"]
    assert api.get_scores(student_item["course_id"], "nobody") == {}


def test_get_scores_is_one_query(student_item, django_assert_num_queries):
    for n in range(5):
        data = api.create_submission({**student_item, "item_id": f"item-{n}"}, "x")
        api.set_score(data["uuid"], n, 5)
    with django_assert_num_queries(1):
        assert len(api.get_scores(student_item["course_id"], student_item["student_id"])) == 5


@pytest.mark.parametrize(("course_id", "student_id"), [("course", 5), (["c"], "s"), (b"c", "s")])
def test_get_scores_bad_input(course_id, student_id):
    with pytest.raises(SubmissionRequestError):
        api.get_scores(course_id, student_id)


def test_get_scores_blank_ids_match_nothing(submission):
    assert api.get_scores("", "") == {}


def test_course_keys_are_accepted_where_4x_lookups_took_them(student_item, submission):
    """edx-platform passes opaque keys to some reads; Django's lookups turned them into strings in 4.x."""
    from opaque_keys.edx.keys import CourseKey, UsageKey

    course_key = CourseKey.from_string(student_item["course_id"])
    usage_key = UsageKey.from_string(student_item["item_id"])
    api.set_score(submission["uuid"], 1, 2)
    assert api.get_scores(course_key, student_item["student_id"])[student_item["item_id"]]["points_earned"] == 1
    api.reset_score(student_item["student_id"], course_key, usage_key)
    assert api.get_score(student_item) is None


def test_get_scores_database_error(student_item):
    with connection.execute_wrapper(fail_on("SELECT")), pytest.raises(SubmissionInternalError):
        api.get_scores(student_item["course_id"], student_item["student_id"])


def test_get_latest_score_for_submission(student_item, submission):
    assert api.get_latest_score_for_submission(submission["uuid"]) is None
    api.set_score(submission["uuid"], 1, 4)
    api.set_score(submission["uuid"], 3, 4, "staff", "staff_override", "why")
    later = api.create_submission(student_item, "later")
    api.set_score(later["uuid"], 2, 4)
    latest = api.get_latest_score_for_submission(submission["uuid"])
    assert latest["points_earned"] == 3
    assert latest["annotations"] == [{"creator": "staff", "reason": "why", "annotation_type": "staff_override"}]
    reset(student_item)  # resets of the item are ignored
    assert api.get_latest_score_for_submission(submission["uuid"])["points_earned"] == 3
    api.set_score(submission["uuid"], 0, 0)  # a hidden score is None
    assert api.get_latest_score_for_submission(submission["uuid"]) is None


@pytest.mark.parametrize("bad", [str(uuid.uuid4()), "not-a-uuid", None, 42])
def test_get_latest_score_for_unknown_submission_is_none(bad):
    assert api.get_latest_score_for_submission(bad) is None
