"""The score event: outbox row in the grading transaction, delivery after commit, redelivery."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils.timezone import now

from submissions import signals
from submissions.errors import SubmissionInternalError
from submissions.external_grader import events, queue
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.states import Status
from submissions.models import Score
from tests.external_grader.helpers import Recorder, create, reply

pytestmark = pytest.mark.django_db

openedx_signals = pytest.importorskip("openedx_events.learning.signals")


@pytest.fixture
def openedx_receiver():
    recorder = Recorder()
    openedx_signals.EXTERNAL_GRADER_SCORE_SUBMITTED.connect(recorder, dispatch_uid="test-openedx-receiver")
    yield recorder
    openedx_signals.EXTERNAL_GRADER_SCORE_SUBMITTED.disconnect(dispatch_uid="test-openedx-receiver")


def graded(capture, body=None, points_possible=1, **create_kwargs):
    create(points_possible=points_possible, **create_kwargs)
    row = queue.pull("q1")
    with capture(execute=True):
        queue.put_result(row.submission_id, row.pullkey, body or reply())
    return row


def make_due():
    ScoreEventDelivery.objects.update(next_attempt_at=now() - datetime.timedelta(seconds=1))


def test_event_sent_once_with_the_spec_fields(django_capture_on_commit_callbacks, score_receiver, openedx_receiver):
    body = reply(score=0.25)
    row = graded(django_capture_on_commit_callbacks, body=body, points_possible=4, queue_key="lms-key-9")
    assert len(score_receiver.calls) == 1 and len(openedx_receiver.calls) == 1
    data = openedx_receiver.calls[0]["score"]
    assert type(data).__name__ == "ExternalGraderScoreData"
    assert (data.points_possible, data.points_earned, data.submission_id) == (4, 1, row.submission_id)
    assert isinstance(data.points_earned, int) and isinstance(data.submission_id, int)
    assert data.score_msg == body and data.queue_key == "lms-key-9" and data.queue_name == "q1"
    assert data.user_id == row.submission.student_item.student_id
    assert data.module_id == row.submission.student_item.item_id
    assert data.course_id == row.submission.student_item.course_id
    delivery = ScoreEventDelivery.objects.get()
    assert delivery.delivered_at is not None and delivery.attempts == 1
    assert json.loads(delivery.payload)["done"] == ["signal", "openedx"]
    assert events.deliver(delivery.pk) is None  # already delivered: nothing sent again
    assert events.deliver_pending_events() == (0, 0)
    assert len(score_receiver.calls) == 1 and len(openedx_receiver.calls) == 1


def graded_without_delivery(capture):
    """Grade one submission and return the on-commit delivery, not yet run (as if the process died)."""
    create()
    row = queue.pull("q1")
    with capture(execute=False) as callbacks:
        queue.put_result(row.submission_id, row.pullkey, reply())
    (deliver,) = callbacks
    return deliver


def test_the_delivery_after_commit_is_one_statement(django_capture_on_commit_callbacks, score_receiver):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deliver = graded_without_delivery(django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as captured:
        deliver()
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 1 and statements[0].startswith("UPDATE"), statements
    assert len(score_receiver.calls) == 1
    assert ScoreEventDelivery.objects.get().delivered_at is not None


def test_a_delivery_that_never_ran_is_sent_by_the_sweeper_after_the_lease(
    django_capture_on_commit_callbacks, score_receiver
):
    graded_without_delivery(django_capture_on_commit_callbacks)  # the process died after commit
    delivery = ScoreEventDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.delivered_at is None
    lease = datetime.timedelta(seconds=events.CLAIM_LEASE_SECONDS)
    assert now() + lease - datetime.timedelta(seconds=30) < delivery.next_attempt_at <= now() + lease
    assert events.deliver_pending_events() == (0, 0)  # still claimed by the writer
    make_due()  # the lease has run out
    assert events.deliver_pending_events() == (1, 0)
    assert len(score_receiver.calls) == 1
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 2


@pytest.mark.parametrize("taken_meanwhile", [False, True])
def test_a_late_commit_renews_the_claim_or_leaves_the_row_to_the_sweeper(
    django_capture_on_commit_callbacks, score_receiver, monkeypatch, taken_meanwhile
):
    """A commit later than half the lease (a caller's long transaction): sent only by the row's owner."""
    deliver = graded_without_delivery(django_capture_on_commit_callbacks)
    if taken_meanwhile:
        make_due()
        assert events.deliver_pending_events() == (1, 0)
    later = now() + datetime.timedelta(seconds=events.CLAIM_LEASE_SECONDS * 0.6)
    monkeypatch.setattr(events, "now", lambda: later)  # the clock of the late commit
    deliver()
    assert len(score_receiver.calls) == 1  # sent once, by whoever owned the row
    delivery = ScoreEventDelivery.objects.get()
    assert delivery.delivered_at is not None
    assert delivery.attempts == (2 if taken_meanwhile else 1)


def test_failed_receiver_is_redelivered_without_resending_done_channels(
    django_capture_on_commit_callbacks, score_receiver, openedx_receiver
):
    openedx_receiver.fail = True
    graded(django_capture_on_commit_callbacks)
    delivery = ScoreEventDelivery.objects.get()
    assert delivery.delivered_at is None and delivery.attempts == 1
    assert "openedx" in delivery.last_error and delivery.next_attempt_at > now()
    assert json.loads(delivery.payload)["done"] == ["signal"]
    assert events.deliver_pending_events() == (0, 0)  # backing off
    openedx_receiver.fail = False
    make_due()
    assert events.deliver_pending_events() == (1, 0)
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 2 and delivery.last_error == ""
    assert len(score_receiver.calls) == 1  # our signal went out once
    assert len(openedx_receiver.calls) == 2  # failed once, then delivered


def test_redelivery_stops_at_the_cap(django_capture_on_commit_callbacks, score_receiver):
    score_receiver.fail = True
    with override_settings(SUBMISSIONS={"EVENT_MAX_DELIVERY_ATTEMPTS": 2}):
        graded(django_capture_on_commit_callbacks)
        make_due()
        assert events.deliver_pending_events() == (0, 1)
        make_due()
        assert events.deliver_pending_events() == (0, 0)
    assert ScoreEventDelivery.objects.get().attempts == 2
    assert len(score_receiver.calls) == 2


def test_failure_notice_at_attempt_cap(django_capture_on_commit_callbacks, score_receiver, failed_receiver):
    create()
    with override_settings(SUBMISSIONS={"MAX_ATTEMPTS": 1, "PROCESSING_DELAY": 0}):
        first = queue.pull("q1")
        with django_capture_on_commit_callbacks(execute=True):
            assert queue.pull("q1") is None
    row = ExternalGraderDetail.objects.get(pk=first.pk)
    assert row.status == Status.FAILED
    assert Score.objects.count() == 0
    assert len(failed_receiver.calls) == 1 and "hand-outs" in failed_receiver.calls[0]["reason"]
    event = score_receiver.calls[0]["score"]
    assert event.points_earned == 0
    notice = json.loads(event.score_msg)
    assert notice["correct"] is False and notice["score"] == 0 and "could not be graded" in notice["msg"]
    assert ScoreEventDelivery.objects.get().kind == ScoreEventDelivery.Kind.FAILURE


def test_failure_notice_can_be_disabled(django_capture_on_commit_callbacks, score_receiver, failed_receiver):
    create()
    with override_settings(SUBMISSIONS={"MAX_ATTEMPTS": 1, "PROCESSING_DELAY": 0, "FAILURE_NOTICE": False}):
        queue.pull("q1")
        with django_capture_on_commit_callbacks(execute=True):
            assert queue.pull("q1") is None
    assert score_receiver.calls == [] and len(failed_receiver.calls) == 1
    assert ScoreEventDelivery.objects.count() == 0


def _raising_score_set(sender, **kwargs):
    raise RuntimeError("grades app down")


def test_internal_error_while_recording_defers_then_fails(django_capture_on_commit_callbacks, score_receiver):
    create()
    signals.score_set.connect(_raising_score_set, dispatch_uid="raising-score-set")
    try:
        with override_settings(SUBMISSIONS={"MAX_ATTEMPTS": 2, "RETRY_BACKOFF": 0}):
            row = queue.pull("q1")
            with django_capture_on_commit_callbacks(execute=True), pytest.raises(SubmissionInternalError):
                queue.put_result(row.submission_id, row.pullkey, reply())
            after = ExternalGraderDetail.objects.get(pk=row.pk)
            assert (after.status, after.num_failures, after.grader_reply) == (Status.RETRY, 1, None)
            assert Score.objects.count() == 0 and ScoreEventDelivery.objects.count() == 0
            again = queue.pull("q1")
            assert again.pk == row.pk and again.num_attempts == 2
            with django_capture_on_commit_callbacks(execute=True), pytest.raises(SubmissionInternalError):
                queue.put_result(again.submission_id, again.pullkey, reply())
    finally:
        signals.score_set.disconnect(dispatch_uid="raising-score-set")
    final = ExternalGraderDetail.objects.get(pk=row.pk)
    assert final.status == Status.FAILED
    assert Score.objects.count() == 0
    # the learner is told by the failure notice, not by a score
    assert [call["score"].points_earned for call in score_receiver.calls] == [0]


def test_only_if_higher_skips_lower_score(django_capture_on_commit_callbacks, score_receiver):
    row = graded(django_capture_on_commit_callbacks, body=reply(score=1.0), points_possible=2)
    queue.regrade(str(row.submission.uuid), only_if_higher=True)
    again = queue.pull("q1")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = queue.put_result(again.submission_id, again.pullkey, reply(score=0.5))
    assert outcome.score_recorded is False and outcome.points_earned == 1
    assert list(Score.objects.values_list("points_earned", flat=True)) == [2]
    assert len(score_receiver.calls) == 1
    assert ExternalGraderDetail.objects.get(pk=row.pk).status == Status.RETIRED
    queue.regrade(str(row.submission.uuid), only_if_higher=False)
    third = queue.pull("q1")
    with django_capture_on_commit_callbacks(execute=True):
        assert queue.put_result(third.submission_id, third.pullkey, reply(score=0.0)).score_recorded
    assert sorted(Score.objects.values_list("points_earned", flat=True)) == [0, 2]
    assert len(score_receiver.calls) == 2


def test_score_event_data_matches_openedx_fields():
    from openedx_events.learning.data import ExternalGraderScoreData

    ours = [field.name for field in events.dataclasses.fields(events.ScoreEventData)]
    theirs = [field.name for field in ExternalGraderScoreData.__attrs_attrs__]
    assert ours == theirs


@pytest.mark.django_db(databases=[])
def test_openedx_events_is_imported_at_start_up_not_by_a_workers_first_reply():
    """Importing it while answering the first reply of each worker cost 60 ms of CPU (XQueue spec, section 4)."""
    code = (
        "import sys, django; django.setup(); "
        "modules = ('openedx_events.learning.signals', 'submissions.services.scores'); "
        "print([name for name in modules if name not in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "test_settings"},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
