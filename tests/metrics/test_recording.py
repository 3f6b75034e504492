"""
What the services count, read back from the metrics page: hand-outs, replies and their latency, refusals,
failures, logins, and the gauges read at scrape time (queue depth, eligible rows, oldest age, outbox backlog).

Counters are cumulative for the whole test process, so each test uses queues of its own and compares scrapes
taken before and after.
"""

import itertools

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client

from submissions import metrics, signals
from submissions.errors import (
    ExternalGraderBusyError,
    ExternalGraderNotFoundError,
    ExternalGraderRetiredError,
    GraderReplyError,
    IncorrectPullKeyError,
    LateGraderReplyError,
    SubmissionInternalError,
)
from submissions.external_grader import queue
from submissions.external_grader.models import ExternalGraderDetail
from submissions.models import ScoreEventDelivery
from tests.external_grader.helpers import create, locked_elsewhere, reply
from tests.metrics.helpers import METRICS_ON, increases, scrape_client

_queues = itertools.count(1)


@pytest.fixture
def metrics_on(settings):
    settings.SUBMISSIONS = dict(METRICS_ON)
    yield settings.SUBMISSIONS


@pytest.fixture
def queue_name():
    return f"metrics-{next(_queues)}"


def scrape():
    return scrape_client(Client())


def _with(settings, **values):
    settings.SUBMISSIONS = {**settings.SUBMISSIONS, **values}


@pytest.mark.django_db
def test_off_by_default_nothing_is_counted_and_there_is_no_page(settings, queue_name):
    assert metrics.record is metrics.OFF
    assert Client().get("/metrics/").status_code == 404
    row = create(queue_name)
    pulled = queue.pull(queue_name)
    queue.put_result(row.submission_id, pulled.pullkey, reply())
    settings.SUBMISSIONS = dict(METRICS_ON)
    assert metrics.record is not metrics.OFF
    after = scrape()
    for name in ("submissions_grader_hand_outs_total", "submissions_grader_replies_total"):
        assert all(labels["queue"] != queue_name for labels in after.series(name))
    settings.SUBMISSIONS = {}
    assert metrics.record is metrics.OFF


@pytest.mark.django_db
def test_hand_outs_replies_and_latency(metrics_on, settings, queue_name):
    before = scrape()
    first, second = create(queue_name, points_possible=4), create(queue_name, points_possible=4)
    a = queue.pull(queue_name)
    b = queue.pull(queue_name)
    queue.put_result(a.submission_id, a.pullkey, reply(1.0))
    queue.put_result(a.submission_id, a.pullkey, reply(1.0))  # an exact repeat: accepted, nothing written
    # A rescore that may only raise the grade, answered lower: accepted, not written.
    queue.regrade(first.submission.uuid, only_if_higher=True)
    again = queue.pull(queue_name)
    assert again.submission_id == first.submission_id
    queue.put_result(again.submission_id, again.pullkey, reply(0.0))
    # A stale hand-out handed out again counts as a repeat.
    _with(settings, PROCESSING_DELAY=0)
    repeat = queue.pull(queue_name)
    assert repeat.submission_id == second.submission_id == b.submission_id
    queue.put_result(repeat.submission_id, repeat.pullkey, reply(0.5))

    after = scrape()
    assert increases(after, before, "submissions_grader_hand_outs_total", "attempt", queue=queue_name) == {
        "first": 3,
        "repeat": 1,
    }
    assert increases(after, before, "submissions_grader_replies_total", "result", queue=queue_name) == {
        "recorded": 2,
        "not_higher": 1,
        "duplicate": 1,
    }
    assert after.value("submissions_grader_reply_latency_seconds_count", queue=queue_name) == 3
    assert after.value("submissions_grader_reply_latency_seconds_bucket", queue=queue_name, le="+Inf") == 3
    assert 0 <= after.value("submissions_grader_reply_latency_seconds_sum", queue=queue_name) < 60
    assert after.types["submissions_grader_reply_latency_seconds"] == "histogram"
    assert increases(after, before, "submissions_grader_reply_refusals_total", "reason") == {}


@pytest.mark.django_db
def test_every_refusal_reason(metrics_on, queue_name, settings):
    before = scrape()
    row = create(queue_name)
    pulled = queue.pull(queue_name)
    with pytest.raises(GraderReplyError):
        queue.put_result(row.submission_id, pulled.pullkey, "not json")
    with pytest.raises(ExternalGraderNotFoundError):
        queue.put_result(10**6, pulled.pullkey, reply())
    with pytest.raises(IncorrectPullKeyError):
        queue.put_result(row.submission_id, "not-the-key", reply())
    _with(settings, PROCESSING_DELAY=0)
    fresh = queue.pull(queue_name)  # handed out again: the first key is late now
    with pytest.raises(LateGraderReplyError):
        queue.put_result(row.submission_id, pulled.pullkey, reply())
    queue.put_result(row.submission_id, fresh.pullkey, reply(1.0))
    with pytest.raises(ExternalGraderRetiredError):
        queue.put_result(row.submission_id, fresh.pullkey, reply(0.5))  # graded already, another reply
    refused = increases(scrape(), before, "submissions_grader_reply_refusals_total", "reason")
    assert refused == {"invalid": 1, "not_found": 1, "wrong_key": 1, "late": 1, "already_graded": 1}


@pytest.mark.django_db
def test_failures_by_cause_and_outcome(metrics_on, queue_name, settings, django_capture_on_commit_callbacks):
    def failing_receiver(**kwargs):
        raise RuntimeError("the host's score receiver is down")

    before = scrape()
    recording, capped, operated = create(queue_name), create(queue_name), create(queue_name)
    signals.score_set.connect(failing_receiver, dispatch_uid="test-metrics-failing-score")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            handed = queue.pull(queue_name)
            assert handed.submission_id == recording.submission_id
            with pytest.raises(SubmissionInternalError):
                queue.put_result(handed.submission_id, handed.pullkey, reply())  # -> retry
            _with(settings, MAX_ATTEMPTS=2, RETRY_BACKOFF=0)
            handed = queue.pull(queue_name)  # the retry row again, its second and last hand-out
            assert handed.submission_id == recording.submission_id
            with pytest.raises(SubmissionInternalError):
                queue.put_result(handed.submission_id, handed.pullkey, reply())  # -> failed for good
    finally:
        signals.score_set.disconnect(dispatch_uid="test-metrics-failing-score")
    _with(settings, MAX_ATTEMPTS=1, PROCESSING_DELAY=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue.pull(queue_name).submission_id == capped.submission_id  # its only hand-out
        assert queue.pull(queue_name).submission_id == operated.submission_id  # capped fails on the way
        queue.fail(ExternalGraderDetail.objects.get(submission_id=operated.submission_id).pk)
    after = scrape()
    assert increases(after, before, "submissions_grader_failures_total", "cause", "outcome", queue=queue_name) == {
        ("recording", "retry"): 1,
        ("recording", "failed"): 1,
        ("attempts", "failed"): 1,
        ("operator", "failed"): 1,
    }
    assert increases(after, before, "submissions_grader_reply_refusals_total", "reason") == {"error": 2}


@pytest.mark.django_db
def test_logins_by_result_never_by_secret(metrics_on, settings):
    password = "login-metrics-secret-7f3a"
    grader = User.objects.create_user("metrics-grader", password=password)
    grader.groups.add(Group.objects.get_or_create(name="xqueue")[0])
    User.objects.create_user("metrics-learner", password=password)
    _with(settings, LOGIN_RATE_LIMIT=2)
    before = scrape()

    def login(username, secret):
        return Client().post("/xqueue/login/", {"username": username, "password": secret}).status_code

    assert login("metrics-grader", password) == 200
    assert login("metrics-learner", password) == 403
    assert login("metrics-grader", "wrong-one") == 401
    assert login("metrics-nobody", "wrong-two") == 401
    assert login("metrics-nobody", "wrong-three") == 429
    assert Client().post("/xqueue/login/", {"username": "metrics-grader"}).status_code == 400
    after = scrape()
    assert increases(after, before, "submissions_grader_logins_total", "result") == {
        "accepted": 1,
        "not_grader": 1,
        "bad_credentials": 2,
        "rate_limited": 1,
        "missing_credentials": 1,
    }
    for secret in (password, "wrong-one", "metrics-grader", "metrics-nobody"):
        assert secret not in after.text


@pytest.mark.django_db
def test_gauges_read_at_scrape_time(metrics_on, settings, queue_name, django_capture_on_commit_callbacks):
    _with(settings, PROCESSING_DELAY=3600, RETRY_BACKOFF=3600)
    rows = [create(queue_name) for _ in range(4)]
    first = scrape()
    assert first.value("submissions_grader_queue_rows", queue=queue_name, state="pending") == 4
    assert first.value("submissions_grader_queue_eligible_rows", queue=queue_name, state="pending") == 4
    assert first.value("submissions_grader_queue_oldest_eligible_age_seconds", queue=queue_name, state="pending") >= 0
    for state in ("pulled", "retry", "failed"):
        assert first.value("submissions_grader_queue_rows", queue=queue_name, state=state) == 0
    assert first.types["submissions_grader_queue_rows"] == "gauge"
    assert first.value("submissions_metrics_database_up") == 1

    # Make the oldest pending row older, hand one out, fail one: the gauges follow the rows.
    ExternalGraderDetail.objects.filter(pk=rows[3].pk).update(status_time=rows[3].status_time.replace(year=2020))
    with django_capture_on_commit_callbacks(execute=True):
        handed = queue.pull(queue_name)
        queue.fail(rows[1].pk, notice=False)
    assert handed.submission_id == rows[0].submission_id
    second = scrape()
    assert second.value("submissions_grader_queue_rows", queue=queue_name, state="pending") == 2
    assert second.value("submissions_grader_queue_rows", queue=queue_name, state="pulled") == 1
    assert second.value("submissions_grader_queue_eligible_rows", queue=queue_name, state="pulled") == 0  # fresh
    assert second.value("submissions_grader_queue_rows", queue=queue_name, state="failed") == 1
    age = second.value("submissions_grader_queue_oldest_eligible_age_seconds", queue=queue_name, state="pending")
    assert age > 5 * 365 * 24 * 3600
    # A registered queue without rows is there, at zero.
    _with(settings, QUEUES=[queue_name, f"{queue_name}-empty"])
    third = scrape()
    assert third.value("submissions_grader_queue_rows", queue=f"{queue_name}-empty", state="pending") == 0
    assert {"queue": f"{queue_name}-empty", "state": "pending"} in third.series("submissions_grader_queue_rows")


@pytest.mark.django_db
def test_outbox_backlog(metrics_on, settings, queue_name, django_capture_on_commit_callbacks):
    def failing_receiver(**kwargs):
        raise RuntimeError("the LMS is down")

    _with(settings, EVENT_MAX_DELIVERY_ATTEMPTS=2)
    before = scrape()
    signals.external_grader_score_submitted.connect(failing_receiver, dispatch_uid="test-metrics-outbox")
    try:
        for _ in range(2):
            create(queue_name)
            with django_capture_on_commit_callbacks(execute=True):
                pulled = queue.pull(queue_name)
                queue.put_result(pulled.submission_id, pulled.pullkey, reply())
        middle = scrape()
        assert middle.value("submissions_score_events_undelivered", state="pending") == (
            before.value("submissions_score_events_undelivered", state="pending") + 2
        )
        assert middle.value("submissions_score_events_oldest_undelivered_age_seconds") >= 0
        # Out of attempts (2): given up.
        ScoreEventDelivery.objects.filter(delivered_at__isnull=True).update(attempts=2)
        after = scrape()
        assert after.value("submissions_score_events_undelivered", state="pending") == 0
        assert after.value("submissions_score_events_undelivered", state="given_up") >= 2
    finally:
        signals.external_grader_score_submitted.disconnect(dispatch_uid="test-metrics-outbox")


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="a row lock held by another connection")
def test_a_reply_refused_as_busy(metrics_on, queue_name):
    row = create(queue_name)
    pulled = queue.pull(queue_name)
    before = scrape()
    with locked_elsewhere(row.pk), pytest.raises(ExternalGraderBusyError):
        queue.put_result(row.submission_id, pulled.pullkey, reply())
    assert increases(scrape(), before, "submissions_grader_reply_refusals_total", "reason") == {"busy": 1}
