"""
End to end: the app under a real threaded WSGI server on 127.0.0.1, graded by several protocol-faithful
clients (``client.py``) in threads, as xqueue-watcher connections would.
"""

import json
import threading
import time
from collections import Counter

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.models import Session
from django.db import connection
from pytest_django.live_server_helper import LiveServer

from submissions.external_grader.hashers import set_grader_password
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.queue import create_external_grader_detail
from submissions.external_grader.states import Status
from submissions.models import Score
from tests.external_grader.xqueue.client import XQueueClient
from tests.external_grader.xqueue.conftest import GRADER_PASSWORD, make_grader

QUEUE = "e2e"
RUN_SECONDS = 60


@pytest.fixture
def server():
    live = LiveServer("127.0.0.1:0")
    try:
        yield live.url
    finally:
        live.stop()


def enqueue(count, queue=QUEUE):
    for n in range(count):
        item = {"student_id": f"s{n}", "course_id": "course-v1:o+c+r", "item_id": f"i{n}", "item_type": "problem"}
        create_external_grader_detail(item, f"answer {n % 5}", queue, f"lms-{n}", "grade.py", 4)


def grade(content):
    """What a handler would answer: a fraction from the answer text."""
    body = json.loads(content["xqueue_body"])
    digit = int(body["student_response"].split()[-1])
    return {"correct": digit == 4, "score": digit / 4, "msg": f"<p>{digit}/4</p>"}


class Run:
    """Shared bookkeeping of the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted = Counter()
        self.statuses = Counter()
        self.graded = 0
        self.errors = []

    def note(self, reply):
        with self.lock:
            self.statuses[reply.status] += 1


def watcher(client, run, total, deadline):
    try:
        assert client.login(), client.last_login
        empty_polls = 0
        while time.monotonic() < deadline and empty_polls < 20:
            reply, content = client.get_submission(QUEUE)
            run.note(reply)
            if content is None:
                with run.lock:
                    done = run.graded >= total
                if done:
                    break
                empty_polls += 1
                time.sleep(0.05)  # the watcher sleeps POLL_INTERVAL; shortened for the test
                continue
            empty_polls = 0
            result = grade(content)
            put = client.put_result(content["xqueue_header"], result)
            run.note(put)
            if put.ok:
                submission_id = json.loads(content["xqueue_header"])["submission_id"]
                with run.lock:
                    run.accepted[submission_id] += 1
                    run.graded += 1
    except Exception as exc:  # reported by the test thread
        run.errors.append(repr(exc))
    finally:
        client.close()
        connection.close()


def run_watchers(server, count, clients, expire_sessions_after=None, legacy=False):
    run = Run()
    deadline = time.monotonic() + RUN_SECONDS
    watchers = [XQueueClient(server, "grader", GRADER_PASSWORD, legacy=legacy) for _ in range(clients)]
    threads = [threading.Thread(target=watcher, args=(c, run, count, deadline)) for c in watchers]
    for thread in threads:
        thread.start()
    expired = False
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        if expire_sessions_after is not None and not expired and run.graded >= expire_sessions_after:
            Session.objects.all().delete()  # every session ends server-side, mid-run
            expired = True
        time.sleep(0.02)
    for thread in threads:
        thread.join(5)
    return run, watchers, expired


def assert_graded_once(run, count):
    assert not run.errors, run.errors
    assert 500 not in run.statuses, run.statuses
    rows = list(ExternalGraderDetail.objects.filter(queue_name=QUEUE))
    assert len(rows) == count
    assert all(row.status == Status.RETIRED for row in rows), Counter(row.status for row in rows)
    assert sorted(run.accepted.values()) == [1] * count
    assert Score.objects.count() == count
    per_submission = Counter(Score.objects.values_list("submission_id", flat=True))
    assert set(per_submission.values()) == {1}
    events = Counter(ScoreEventDelivery.objects.filter(kind="score").values_list("external_grader_id", flat=True))
    assert len(events) == count and set(events.values()) == {1}
    # Scores are the fractions scaled to 4 points.
    for score in Score.objects.select_related("submission"):
        assert score.points_earned == int(score.submission.answer.split()[-1])


def _needs_row_locks():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks: concurrent pullers are covered on PostgreSQL and MariaDB")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_single_watcher_grades_everything(server):
    """One connection, on every database (SQLite included)."""
    make_grader()
    enqueue(12)
    run, _, _ = run_watchers(server, 12, clients=1)
    assert_graded_once(run, 12)


@pytest.mark.slow
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("legacy", [False, True], ids=["current-watcher", "legacy-watcher"])
def test_concurrent_watchers_grade_once_and_survive_session_expiry(server, settings, legacy):
    _needs_row_locks()
    if legacy:
        settings.SUBMISSIONS = {"XQUEUE_LEGACY_REDIRECT": True}  # old watchers re-login only on 301/302
    make_grader()
    count = 60
    enqueue(count)
    run, watchers, expired = run_watchers(server, count, clients=4, expire_sessions_after=count // 3)
    assert expired
    assert_graded_once(run, count)
    assert sum(c.relogins for c in watchers) >= 1  # every expired session was recovered by one re-login
    assert run.statuses[401 if not legacy else 302] == 0  # the client retried: callers never saw the auth status


@pytest.mark.slow
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_duplicate_and_late_replies_rejected_cleanly(server, settings):
    _needs_row_locks()
    settings.SUBMISSIONS = {"PROCESSING_DELAY": 0}
    make_grader()
    enqueue(1)
    first, second = (XQueueClient(server, "grader", GRADER_PASSWORD) for _ in range(2))
    assert first.login() and second.login()
    _, stale = first.get_submission(QUEUE)
    _, fresh = second.get_submission(QUEUE)  # re-served to another watcher with a new key
    assert stale["xqueue_header"] != fresh["xqueue_header"]
    result = {"correct": True, "score": 1.0, "msg": "<p>ok</p>"}
    late = first.put_result(stale["xqueue_header"], result)
    assert (late.status, late.body) == (409, {"return_code": 1, "content": "Incorrect key for submission"})
    accepted = second.put_result(fresh["xqueue_header"], result)
    assert (accepted.status, accepted.body) == (200, {"return_code": 0, "content": ""})
    duplicate = second.put_result(fresh["xqueue_header"], result)
    assert (duplicate.status, duplicate.body) == (200, {"return_code": 0, "content": ""})
    changed = second.put_result(fresh["xqueue_header"], {"correct": False, "score": 0, "msg": "x"})
    assert (changed.status, changed.body["return_code"]) == (409, 1)
    assert first.relogins == second.relogins == 0  # business errors never looked like expired sessions
    assert Score.objects.count() == 1
    assert ScoreEventDelivery.objects.count() == 1


@pytest.mark.slow
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_logins_with_the_grader_hasher_beat_the_watcher_timeout(server, settings):
    _needs_row_locks()
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
    ]
    user = make_grader()
    set_grader_password(user, GRADER_PASSWORD)
    clients = [XQueueClient(server, "grader", GRADER_PASSWORD, timeout=1.0) for _ in range(8)]
    results, barrier = [None] * 8, threading.Barrier(8)

    def log_in(index):
        barrier.wait()
        start = time.perf_counter()
        try:
            results[index] = (clients[index].login(), time.perf_counter() - start)
        finally:
            connection.close()

    threads = [threading.Thread(target=log_in, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert all(ok for ok, _ in results), results
    assert max(seconds for _, seconds in results) < 1.0  # a read timeout here would kill the watcher
    user.refresh_from_db()
    assert user.password.startswith("xqueue_grader_pbkdf2_sha256$")
    assert check_password(GRADER_PASSWORD, user.password)
