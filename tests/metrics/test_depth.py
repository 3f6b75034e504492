"""
``queue.depth()`` (one hand-written statement, ``db.depth``) against the ORM's answer on the same rows: every
state, retry back-offs at each failure count, stale and fresh hand-outs, several queues, a queue with only
graded rows, on each backend of the suite.
"""

import datetime
import random

import pytest
from django.db.models import Count, Min
from django.utils.timezone import now

from submissions.external_grader import queue
from submissions.external_grader.eligibility import eligible_q
from submissions.external_grader.models import ExternalGraderDetail
from submissions.external_grader.states import Status
from tests.external_grader.helpers import create

pytestmark = pytest.mark.django_db


def orm_depth(moment):
    """The reference: the ORM groups every row by queue and state."""
    rows = ExternalGraderDetail.objects.order_by()
    expected = {
        name: {str(state): (0, 0, None) for state in queue.DEPTH_STATES}
        for name in rows.values_list("queue_name", flat=True).distinct()
    }
    counted = rows.filter(status__in=queue.DEPTH_STATES).values("queue_name", "status").annotate(n=Count("pk"))
    for entry in counted:
        expected[entry["queue_name"]][entry["status"]] = (entry["n"], 0, None)
    eligible = (
        rows.filter(eligible_q(moment))
        .values("queue_name", "status")
        .annotate(n=Count("pk"), oldest=Min("status_time"))
    )
    for entry in eligible:
        total = expected[entry["queue_name"]][entry["status"]][0]
        expected[entry["queue_name"]][entry["status"]] = (total, entry["n"], entry["oldest"])
    return expected


def test_depth_matches_the_orm(settings):
    settings.SUBMISSIONS = {"PROCESSING_DELAY": 600, "RETRY_BACKOFF": 60, "MAX_ATTEMPTS": 4}
    rng = random.Random(15)
    moment = now()
    states = [Status.PENDING, Status.PULLED, Status.RETRY, Status.FAILED, Status.RETIRED]
    for index in range(120):
        name = f"depth-{index % 3}" if index < 110 else "depth-graded-only"
        row = create(name)
        status = Status.RETIRED if name == "depth-graded-only" else rng.choice(states)
        ExternalGraderDetail.objects.filter(pk=row.pk).update(
            status=status,
            num_failures=rng.randint(0, 6),
            status_time=moment - datetime.timedelta(seconds=rng.randint(0, 1200)),
        )
    expected = orm_depth(moment)
    found = queue.depth()
    assert set(found) == set(expected) == {"depth-0", "depth-1", "depth-2", "depth-graded-only"}
    for name, states_found in found.items():
        for state, depth in states_found.items():
            rows, eligible, oldest = expected[name][state]
            assert (depth.rows, depth.eligible) == (rows, eligible), (name, state)
            if oldest is None:
                assert depth.oldest_eligible_age == 0
            else:
                # depth() reads its own moment, a little after ours.
                age = (moment - oldest).total_seconds()
                assert age <= depth.oldest_eligible_age <= age + 30, (name, state)
    assert all(depth.rows == 0 for depth in found["depth-graded-only"].values())
    assert sum(found["depth-0"][state].rows for state in ("pending", "pulled", "retry", "failed")) > 0


def test_no_rows_and_registered_queues(settings):
    assert queue.depth() == {}
    settings.SUBMISSIONS = {"QUEUES": ["registered"]}
    assert queue.depth() == {"registered": {str(state): queue.StateDepth() for state in queue.DEPTH_STATES}}
