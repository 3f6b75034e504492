"""
The numbers move under a real grader run: the reference grader (``python -m submissions.external_grader.grader``,
a separate process with two workers) grades a queue on a live server, and the metrics page, scraped over HTTP
and parsed by prometheus_client's parser before and after, shows what happened: hand-outs, recorded replies and
their latency, logins and a refused one, a row failed at its attempt cap, the queue emptied, an undelivered
score event.
"""

import json
import os
import subprocess
import sys

import pytest
import requests
from django.contrib.auth.models import Group, User
from django.utils.timezone import now

from submissions import signals
from submissions.external_grader import queue
from submissions.external_grader.grader.probe import probe
from submissions.external_grader.models import ExternalGraderDetail
from tests.external_grader.grader.conftest import TEST_SLOT_UID_BASE
from tests.external_grader.grader.programs import BROKEN, SUM, SUM_TESTS
from tests.metrics.helpers import METRICS_ON, increases, scrape_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUEUE = "metrics-live"
PASSWORD = "metrics-live-grader-secret"


def _submit(index, source, points=3):
    item = {
        "student_id": f"metrics-learner-{index}",
        "course_id": "course-v1:Metrics+Live+2026",
        "item_id": f"problem-{index}",
        "item_type": "problem",
    }
    payload = json.dumps({"language": "python", "tests": SUM_TESTS})
    return queue.create_external_grader_detail(
        item, source, QUEUE, f"lms-{index}", points_possible=points, grader_payload=payload
    )


def _run_grader(server):
    """The reference grader as an operator runs it, until every worker found the queue empty (bounded)."""
    command = [
        sys.executable,
        "-m",
        "submissions.external_grader.grader",
        "--server",
        server,
        "--queue",
        QUEUE,
        "--username",
        "metrics-grader",
        "--workers",
        "2",
        "--poll-interval",
        "0.2",
        "--exit-when-empty",
        "--slot-uid-base",
        str(TEST_SLOT_UID_BASE + 20),
    ]
    if probe(slot_uid_base=TEST_SLOT_UID_BASE + 20).level == "none":
        command.append("--allow-insecure")  # our own test programs, on a machine without a sandbox
    done = subprocess.run(
        command, env={**os.environ, "GRADER_PASSWORD": PASSWORD}, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_numbers_move_under_a_real_grader_run(live_server, settings):
    settings.SUBMISSIONS = dict(METRICS_ON)
    url = f"{live_server.url}/metrics/"
    grader = User.objects.create_user("metrics-grader", password=PASSWORD)
    grader.groups.add(Group.objects.get_or_create(name="xqueue")[0])
    rows = [_submit(index, SUM["python"]) for index in range(4)] + [_submit(4, BROKEN["python"])]
    # A hand-out whose grader vanished, at the attempt cap: the grader's next poll fails it.
    abandoned = _submit(5, SUM["python"])
    ExternalGraderDetail.objects.filter(pk=abandoned.pk).update(
        status="pulled", num_attempts=5, status_time=now().replace(year=2020), pullkey="lost"
    )
    # The LMS's receiver fails for one learner: that score event stays in the outbox.
    unlucky = rows[1].submission_id

    def lms_receiver(sender, score, **kwargs):
        if score.submission_id == unlucky:
            raise RuntimeError("the LMS is down for this learner")

    before = scrape_url(url)
    assert before.value("submissions_grader_queue_rows", queue=QUEUE, state="pending") == 5
    assert before.value("submissions_grader_queue_eligible_rows", queue=QUEUE, state="pulled") == 1
    assert before.value("submissions_grader_queue_oldest_eligible_age_seconds", queue=QUEUE, state="pulled") > 1e7

    refused = requests.post(
        f"{live_server.url}/xqueue/login/", data={"username": "metrics-grader", "password": "wrong"}, timeout=10
    )
    assert refused.status_code == 401
    signals.external_grader_score_submitted.connect(lms_receiver, dispatch_uid="test-metrics-lms")
    try:
        _run_grader(live_server.url)
    finally:
        signals.external_grader_score_submitted.disconnect(dispatch_uid="test-metrics-lms")
    after = scrape_url(url)

    assert [ExternalGraderDetail.objects.get(pk=row.pk).status for row in rows] == ["retired"] * 5
    assert increases(after, before, "submissions_grader_hand_outs_total", "attempt", queue=QUEUE) == {"first": 5}
    assert increases(after, before, "submissions_grader_replies_total", "result", queue=QUEUE) == {"recorded": 5}
    assert after.value("submissions_grader_reply_latency_seconds_count", queue=QUEUE) == 5
    assert 0 < after.value("submissions_grader_reply_latency_seconds_sum", queue=QUEUE) < 5 * 120
    assert increases(after, before, "submissions_grader_failures_total", "cause", "outcome", queue=QUEUE) == {
        ("attempts", "failed"): 1
    }
    logins = increases(after, before, "submissions_grader_logins_total", "result")
    assert logins.pop("accepted") >= 2  # one per worker (and one more for each session it lost)
    assert logins == {"bad_credentials": 1}
    assert increases(after, before, "submissions_grader_reply_refusals_total", "reason") == {}
    for state, count in (("pending", 0), ("pulled", 0), ("retry", 0), ("failed", 1)):
        assert after.value("submissions_grader_queue_rows", queue=QUEUE, state=state) == count, state
    assert after.value("submissions_grader_queue_oldest_eligible_age_seconds", queue=QUEUE, state="pulled") == 0
    assert (
        after.value("submissions_score_events_undelivered", state="pending")
        == before.value("submissions_score_events_undelivered", state="pending") + 1
    )
    assert after.value("submissions_metrics_database_up") == 1
