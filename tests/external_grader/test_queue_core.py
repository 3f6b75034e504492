"""create / pull / put_result / queue_length: the core contract of the queue."""

import datetime
import json

import pytest
from django.db import transaction
from django.test import override_settings

from submissions.errors import (
    ExternalGraderNotFoundError,
    ExternalGraderQueueEmptyError,
    ExternalGraderRetiredError,
    GraderReplyError,
    IncorrectPullKeyError,
    LateGraderReplyError,
    SubmissionRequestError,
    UnknownQueueError,
)
from submissions.external_grader import queue
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.states import Status
from submissions.models import Score, Submission
from tests.external_grader.helpers import create, reply, student_item

pytestmark = pytest.mark.django_db


def test_create_pull_put_result_roundtrip(django_capture_on_commit_callbacks, score_receiver):
    item = student_item()
    detail = create(item=item, queue_key="lms-123", points_possible=3, grader_payload='{"grader": "g.py"}')
    assert detail.status == Status.PENDING
    assert detail.grader_payload == '{"grader": "g.py"}'
    assert queue.queue_length("q1") == 1

    pulled = queue.pull("q1")
    assert pulled.pk == detail.pk and pulled.status == Status.PULLED
    assert pulled.pullkey and pulled.num_attempts == 1
    assert pulled.submission.student_item.student_id == item["student_id"]
    assert queue.queue_length("q1") == 0
    assert queue.pull("q1") is None

    body = reply(score=0.5)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = queue.put_result(pulled.submission_id, pulled.pullkey, body)
    assert (outcome.duplicate, outcome.points_earned, outcome.points_possible) == (False, 2, 3)
    row = ExternalGraderDetail.objects.get(pk=detail.pk)
    assert row.status == Status.RETIRED and row.grader_reply == body
    score = Score.objects.get(submission_id=detail.submission_id)
    assert (score.points_earned, score.points_possible) == (2, 3)
    assert len(score_receiver.calls) == 1
    event = score_receiver.calls[0]["score"]
    assert event.points_earned == 2 and event.queue_key == "lms-123" and event.score_msg == body
    assert event.user_id == item["student_id"] and event.module_id == item["item_id"]
    assert event.submission_id == detail.submission_id
    assert ScoreEventDelivery.objects.get().delivered_at is not None

    # exact duplicate: no second score, no event
    with django_capture_on_commit_callbacks(execute=True):
        again = queue.put_result(pulled.submission_id, pulled.pullkey, body)
    assert again.duplicate is True
    assert Score.objects.count() == 1 and len(score_receiver.calls) == 1
    # same key, another body
    with pytest.raises(ExternalGraderRetiredError):
        queue.put_result(pulled.submission_id, pulled.pullkey, reply(score=1))
    with pytest.raises(LateGraderReplyError):
        queue.put_result(pulled.submission_id, "other", body)


def test_create_validates_before_writing():
    with pytest.raises(ExternalGraderQueueEmptyError):
        create(queue_name="")
    with pytest.raises(SubmissionRequestError):
        create(item={"student_id": "x"})
    with pytest.raises(SubmissionRequestError):
        create(points_possible=-1)
    with override_settings(SUBMISSIONS={"QUEUES": ["known"]}), pytest.raises(UnknownQueueError):
        create(queue_name="unknown")
    assert Submission._objects.count() == 0
    assert ExternalGraderDetail.objects.count() == 0


def test_unknown_queue_on_pull_and_length():
    with pytest.raises(UnknownQueueError):
        queue.pull("nope")
    with pytest.raises(UnknownQueueError):
        queue.queue_length("nope")
    create(queue_name="q1")
    assert queue.is_known_queue("q1") and not queue.is_known_queue("nope")


def test_queue_names_are_exact_on_every_backend():
    """Case, accents and trailing spaces make another queue (MySQL's default collations ignore all three)."""
    detail = create(queue_name="qe")
    for other in ("QE", "q\u00e9", "qe "):
        assert not queue.is_known_queue(other), other
        with pytest.raises(UnknownQueueError):
            queue.pull(other)
    create(queue_name="QE")  # now a queue of its own, with its own row
    assert queue.queue_length("QE") == 1 and queue.queue_length("qe") == 1
    assert queue.pull("QE").pk != detail.pk
    assert queue.pull("qe").pk == detail.pk


def test_put_result_errors():
    detail = create()
    with pytest.raises(IncorrectPullKeyError):
        queue.put_result(detail.submission_id, "k", reply())  # not pulled
    pulled = queue.pull("q1")
    with pytest.raises(ExternalGraderNotFoundError):
        queue.put_result(10**9, pulled.pullkey, reply())
    for bad in [
        "nope",
        "[]",
        json.dumps({"correct": True, "msg": "m"}),
        reply(score=1.5),
        reply(score="1"),
        json.dumps({"score": 1, "msg": "m"}),
        json.dumps({"score": 1, "correct": True}),
        reply(score=True),
    ]:
        with pytest.raises(GraderReplyError):
            queue.put_result(pulled.submission_id, pulled.pullkey, bad)
    with pytest.raises(GraderReplyError):
        queue.put_result("abc", pulled.pullkey, reply())
    with pytest.raises(IncorrectPullKeyError):
        queue.put_result(pulled.submission_id, "wrong", reply())
    assert ExternalGraderDetail.objects.get(pk=detail.pk).status == Status.PULLED
    assert Score.objects.count() == 0


def test_stale_pulled_row_is_reserved_with_new_key():
    create()
    first = queue.pull("q1")
    with override_settings(SUBMISSIONS={"PROCESSING_DELAY": 0}):
        second = queue.pull("q1")
    assert second.pk == first.pk and second.pullkey != first.pullkey and second.num_attempts == 2
    with pytest.raises(LateGraderReplyError):
        queue.put_result(first.submission_id, first.pullkey, reply())
    assert queue.put_result(second.submission_id, second.pullkey, reply()).points_earned == 1


def test_rollback_sends_nothing(django_capture_on_commit_callbacks, score_receiver):
    create()
    pulled = queue.pull("q1")

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        queue.put_result(pulled.submission_id, pulled.pullkey, reply())
        raise Boom
    assert score_receiver.calls == []
    assert ScoreEventDelivery.objects.count() == 0
    assert ExternalGraderDetail.objects.get(pk=pulled.pk).status == Status.PULLED


def test_oldest_first():
    a = create()
    b = create()
    ExternalGraderDetail.objects.filter(pk=b.pk).update(created_at=a.created_at - datetime.timedelta(seconds=5))
    assert queue.pull("q1").pk == b.pk
    assert queue.pull("q1").pk == a.pk


def test_grader_row_saves_reach_save_receivers(django_capture_on_commit_callbacks):
    """
    pull and put_result write the grader row (one UPDATE) and the outbox row (one INSERT) with statements
    built once, unless a pre_save/post_save receiver listens for the model: then the ORM saves it and
    the receivers see each save.
    """
    from django.db.models.signals import post_save

    seen = []

    def receiver(sender, instance, update_fields, **kwargs):
        seen.append((instance.status, sorted(update_fields)))

    outbox = []

    def outbox_receiver(sender, instance, created, **kwargs):
        outbox.append((created, instance.pk is not None))

    create()
    post_save.connect(receiver, sender=ExternalGraderDetail)
    post_save.connect(outbox_receiver, sender=ScoreEventDelivery)
    try:
        pulled = queue.pull("q1")
        with django_capture_on_commit_callbacks(execute=True):
            queue.put_result(pulled.submission_id, pulled.pullkey, reply())
    finally:
        post_save.disconnect(receiver, sender=ExternalGraderDetail)
        post_save.disconnect(outbox_receiver, sender=ScoreEventDelivery)
    assert seen == [
        (Status.PULLED, ["num_attempts", "pullkey", "status", "status_time"]),
        (Status.RETIRED, ["grader_reply", "status", "status_time"]),
    ]
    assert outbox == [(True, True)]  # the outbox row too, when a receiver listens for it
    # Without receivers the same writes go through the hand-written UPDATE, with the same result.
    other = create(item=student_item())
    pulled = queue.pull("q1")
    assert pulled.pk == other.pk
    stored = ExternalGraderDetail.objects.get(pk=other.pk)
    assert (stored.status, stored.pullkey, stored.num_attempts) == (Status.PULLED, pulled.pullkey, 1)
    assert stored.status_time == pulled.status_time
    with django_capture_on_commit_callbacks(execute=True):
        queue.put_result(pulled.submission_id, pulled.pullkey, reply(score=0.5))
    stored = ExternalGraderDetail.objects.get(pk=other.pk)
    assert (stored.status, stored.grader_reply) == (Status.RETIRED, reply(score=0.5))


def test_transition_receivers_see_the_hand_out():
    """With a django-fsm transition receiver for grader rows, pull hands out through the transition method."""
    from django_fsm.signals import post_transition

    seen = []

    def receiver(sender, instance, name, source, target, **kwargs):
        seen.append((name, source, target))

    create()
    post_transition.connect(receiver, sender=ExternalGraderDetail)
    try:
        pulled = queue.pull("q1")
    finally:
        post_transition.disconnect(receiver, sender=ExternalGraderDetail)
    assert seen == [("hand_out", Status.PENDING, Status.PULLED)]
    assert ExternalGraderDetail.objects.get(pk=pulled.pk).pullkey == pulled.pullkey


def test_hand_out_at_the_attempt_cap_fails_the_row_with_its_notice(settings):
    """The oldest eligible row at the cap is failed (not skipped) before the next one is handed out."""
    settings.SUBMISSIONS = {"MAX_ATTEMPTS": 2, "PROCESSING_DELAY": 0}
    first = create()
    queue.pull("q1")
    queue.pull("q1")  # stale at once (no processing delay): handed out again, attempt 2
    second = create(item=student_item())
    pulled = queue.pull("q1")
    assert pulled.pk == second.pk
    assert ExternalGraderDetail.objects.get(pk=first.pk).status == Status.FAILED
    assert ScoreEventDelivery.objects.filter(external_grader_id=first.pk, kind="failure").exists()


def test_a_key_with_non_ascii_characters_is_just_a_wrong_key():
    """Found by the fuzzer: the constant-time comparison refused non-ASCII text (a 500)."""
    create()
    pulled = queue.pull("q1")
    with pytest.raises(IncorrectPullKeyError):
        queue.put_result(pulled.submission_id, "clé-" + pulled.pullkey[4:], reply())
    assert ExternalGraderDetail.objects.get(pk=pulled.pk).status == Status.PULLED
