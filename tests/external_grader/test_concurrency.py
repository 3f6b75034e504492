"""
Concurrent graders against a real server database (PostgreSQL, MariaDB): threads pulling and
replying at once over hundreds of submissions.

Checked: no submission is handed out twice while its key is live; no grade is recorded twice (also
when every reply is sent again by two threads at once); exactly one score event per grade (outbox
rows and receiver calls); a rolled-back transaction sends nothing. The figures are printed (run with
``-s``) and written to ``$SUBMISSIONS_CONCURRENCY_REPORT`` when set.
"""

import collections
import datetime
import json
import os
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from submissions import signals
from submissions.errors import ExternalGraderBusyError, IncorrectPullKeyError
from submissions.external_grader import queue
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.states import Status
from submissions.models import Score
from tests.external_grader.helpers import create, reply

PULLERS = 8
SUBMISSIONS = 520
QUEUE = "concurrent"
TIME_LIMIT = 240  # seconds; every loop below is bounded by this and by counts

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks; needs PostgreSQL or MariaDB"),
]


class Rollback(Exception):
    pass


def _report(figures):
    line = json.dumps(figures, sort_keys=True)
    print(f"\nCONCURRENCY {line}")  # noqa: T201
    path = os.environ.get("SUBMISSIONS_CONCURRENCY_REPORT")
    if path:
        with open(path, "a") as handle:
            handle.write(line + "\n")


def _run_threads(count, target):
    errors = []

    def wrapped(index):
        try:
            target(index)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIME_LIMIT)
    assert not any(thread.is_alive() for thread in threads), "threads did not finish in time"
    assert errors == [], errors


def test_concurrent_pullers_no_double_hand_out_no_double_grade():
    for number in range(SUBMISSIONS):
        create(queue_name=QUEUE, queue_key=f"lms-{number}", points_possible=4)
    events = []
    events_lock = threading.Lock()

    def on_score(sender, score, **kwargs):
        with events_lock:
            events.append(score.submission_id)

    signals.external_grader_score_submitted.connect(on_score, dispatch_uid="concurrency-receiver")
    handed = []  # (submission_id, key, thread)
    handed_lock = threading.Lock()
    replies = []
    rolled_back = []
    deadline = time.monotonic() + TIME_LIMIT
    started = time.monotonic()

    def grader(index):
        done = 0
        while time.monotonic() < deadline:
            row = queue.pull(QUEUE)
            if row is None:
                return
            body = reply(score=(row.submission_id % 5) / 4)
            with handed_lock:
                handed.append((row.submission_id, row.pullkey, index))
            if done % 10 == 3:  # a grading transaction that rolls back: nothing may be sent
                try:
                    with transaction.atomic():
                        queue.put_result(row.submission_id, row.pullkey, body)
                        raise Rollback
                except Rollback:
                    with handed_lock:
                        rolled_back.append(row.submission_id)
            outcome = queue.put_result(row.submission_id, row.pullkey, body)
            assert outcome.duplicate is False
            with handed_lock:
                replies.append((row.submission_id, row.pullkey, body))
            done += 1

    try:
        with override_settings(SUBMISSIONS={"PROCESSING_DELAY": 300}):
            _run_threads(PULLERS, grader)
            pull_elapsed = time.monotonic() - started

            # Every reply is sent again by two threads at once: duplicates or busy, never a second grade.
            outcomes = collections.Counter()
            outcomes_lock = threading.Lock()

            def replay(index):
                for submission_id, key, body in replies[index // 2 :: PULLERS // 2]:
                    try:
                        result = queue.put_result(submission_id, key, body)
                        kind = "duplicate" if result.duplicate else "accepted-again"
                    except ExternalGraderBusyError:
                        kind = "busy"
                    except IncorrectPullKeyError:
                        kind = "rejected"
                    with outcomes_lock:
                        outcomes[kind] += 1

            _run_threads(PULLERS, replay)
    finally:
        signals.external_grader_score_submitted.disconnect(dispatch_uid="concurrency-receiver")
    elapsed = time.monotonic() - started

    per_submission = collections.Counter(submission_id for submission_id, _, _ in handed)
    duplicates_handed = sum(count - 1 for count in per_submission.values() if count > 1)
    keys = [key for _, key, _ in handed]
    scores = collections.Counter(Score.objects.values_list("submission_id", flat=True))
    outbox = collections.Counter(ScoreEventDelivery.objects.values_list("external_grader__submission_id", flat=True))
    figures = {
        "db": connection.vendor,
        "pullers": PULLERS,
        "submissions": SUBMISSIONS,
        "hand_outs": len(handed),
        "duplicate_hand_outs": duplicates_handed,
        "rolled_back_transactions": len(rolled_back),
        "scores": sum(scores.values()),
        "duplicate_scores": sum(count - 1 for count in scores.values() if count > 1),
        "outbox_rows": sum(outbox.values()),
        "events_received": len(events),
        "duplicate_events": len(events) - len(set(events)),
        "replays": dict(outcomes),
        "threads_used": len({thread for _, _, thread in handed}),
        "pull_and_grade_seconds": round(pull_elapsed, 2),
        "elapsed_seconds": round(elapsed, 2),
    }
    _report(figures)
    assert len(handed) == SUBMISSIONS and duplicates_handed == 0 and len(set(keys)) == len(keys)
    assert figures["threads_used"] > 1
    assert ExternalGraderDetail.objects.filter(queue_name=QUEUE).exclude(status=Status.RETIRED).count() == 0
    assert figures["scores"] == SUBMISSIONS and figures["duplicate_scores"] == 0
    assert figures["outbox_rows"] == SUBMISSIONS and max(outbox.values()) == 1
    assert sorted(events) == sorted(per_submission) and figures["duplicate_events"] == 0
    assert ScoreEventDelivery.objects.filter(delivered_at__isnull=True).count() == 0
    assert outcomes["accepted-again"] == 0 and outcomes["rejected"] == 0
    assert sum(outcomes.values()) == 2 * len(replies)
    assert rolled_back  # the rollback path really ran


def test_stale_reserve_under_concurrency_keeps_one_live_key():
    """Slow graders: rows become stale and are re-served with new keys; old keys are rejected."""
    count = 120
    for number in range(count):
        create(queue_name=QUEUE, queue_key=f"s-{number}")
    first_keys = {}
    lock = threading.Lock()

    def slow(index):
        while True:
            row = queue.pull(QUEUE)
            if row is None:
                return
            with lock:
                assert row.submission_id not in first_keys
                first_keys[row.submission_id] = row.pullkey

    with override_settings(SUBMISSIONS={"PROCESSING_DELAY": 60}):
        _run_threads(PULLERS, slow)
        assert len(first_keys) == count
        assert queue.pull(QUEUE) is None  # every key is live: nothing to hand out
        ExternalGraderDetail.objects.filter(queue_name=QUEUE).update(
            status_time=timezone.now() - datetime.timedelta(seconds=61)
        )
        second_keys = {}
        late = collections.Counter()

        def fast(index):
            while True:
                row = queue.pull(QUEUE)
                if row is None:
                    return
                with lock:
                    assert row.submission_id not in second_keys
                    second_keys[row.submission_id] = row.pullkey
                try:
                    queue.put_result(row.submission_id, first_keys[row.submission_id], reply())
                except IncorrectPullKeyError:
                    with lock:
                        late["rejected"] += 1
                queue.put_result(row.submission_id, row.pullkey, reply())

        _run_threads(PULLERS, fast)
    _report(
        {"db": connection.vendor, "pullers": PULLERS, "stale_submissions": count, "late_rejected": late["rejected"]}
    )
    assert len(second_keys) == count and late["rejected"] == count
    assert all(second_keys[sid] != first_keys[sid] for sid in second_keys)
    assert Score.objects.filter(submission__external_grader_detail__queue_name=QUEUE).count() == count


def test_concurrent_redelivery_sends_each_event_once():
    """Several workers redelivering the same outbox rows at once: every event goes out once."""
    from submissions.external_grader.events import deliver_pending_events

    calls = []
    calls_lock = threading.Lock()

    def on_score(sender, score, **kwargs):
        with calls_lock:
            calls.append(score.submission_id)

    count = 60
    for _ in range(count):
        create(queue_name=QUEUE)
    # grade with the receiver disconnected and the on-commit delivery failing: rows stay due
    signals.external_grader_score_submitted.connect(_always_fails, dispatch_uid="concurrency-fail")
    try:
        while (row := queue.pull(QUEUE)) is not None:
            queue.put_result(row.submission_id, row.pullkey, reply())
    finally:
        signals.external_grader_score_submitted.disconnect(dispatch_uid="concurrency-fail")
    assert ScoreEventDelivery.objects.filter(delivered_at__isnull=True).count() == count
    ScoreEventDelivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    signals.external_grader_score_submitted.connect(on_score, dispatch_uid="concurrency-redeliver")
    try:
        _run_threads(PULLERS, lambda index: deliver_pending_events())
    finally:
        signals.external_grader_score_submitted.disconnect(dispatch_uid="concurrency-redeliver")
    _report({"db": connection.vendor, "redelivery_workers": PULLERS, "events": count, "sent": len(calls)})
    assert sorted(calls) == sorted(set(calls)) and len(calls) == count
    assert ScoreEventDelivery.objects.filter(delivered_at__isnull=True).count() == 0


def _always_fails(sender, **kwargs):
    raise RuntimeError("receiver down")
