"""
:class:`QueueCollector`: the gauges read from the database when the metrics are scraped, never on a request's
path. A scrape runs two statements: the depth of every queue (``queue.depth``, whose cost grows with the rows
waiting, not with the rows graded) and the outbox backlog (``events.outbox_backlog``).
"""

import logging

from django.db import DatabaseError
from prometheus_client.core import GaugeMetricFamily

from submissions import metrics
from submissions.external_grader import events, queue
from submissions.external_grader.states import Status

__all__ = ["QueueCollector"]

logger = logging.getLogger(__name__)

#: The states in which a row can be eligible (a failed row never is).
_ELIGIBLE_STATES = (Status.PENDING, Status.PULLED, Status.RETRY)


def _families():
    return {
        "rows": GaugeMetricFamily(
            "submissions_grader_queue_rows",
            "Grader rows per queue and state (pending, pulled, retry, failed).",
            labels=["queue", "state"],
        ),
        "eligible": GaugeMetricFamily(
            "submissions_grader_queue_eligible_rows",
            "Rows a grader could receive now: pending, retry past its back-off, pulled past the processing delay.",
            labels=["queue", "state"],
        ),
        "age": GaugeMetricFamily(
            "submissions_grader_queue_oldest_eligible_age_seconds",
            "Seconds since the oldest row a grader could receive now entered its state (0: none).",
            labels=["queue", "state"],
        ),
        "undelivered": GaugeMetricFamily(
            "submissions_score_events_undelivered",
            "Score events not delivered yet (state: pending, to be tried again; given_up, out of attempts).",
            labels=["state"],
        ),
        "undelivered_age": GaugeMetricFamily(
            "submissions_score_events_oldest_undelivered_age_seconds",
            "Seconds since the oldest score event still to be delivered was written (0: none).",
        ),
        "up": GaugeMetricFamily(
            "submissions_metrics_database_up",
            "1 when this scrape read the queues and the outbox from the database, 0 when that failed.",
        ),
    }


class QueueCollector:
    """Queue depth, eligible rows and their oldest age per queue and state, and the outbox backlog."""

    def describe(self):
        # Without this, registering in an auto-describing registry (prometheus_client's REGISTRY) would collect,
        # that is query the database, at start-up.
        return list(_families().values())

    def collect(self):
        if not metrics.enabled():
            return []
        families = _families()
        try:
            depth = queue.depth()
            backlog = events.outbox_backlog()
        except DatabaseError as exc:
            logger.warning("Metrics: the queues could not be read: %r", exc)
            families["up"].add_metric([], 0)
            return [families["up"]]
        for name, states in depth.items():
            for state, found in states.items():
                families["rows"].add_metric([name, state], found.rows)
                if state in _ELIGIBLE_STATES:
                    families["eligible"].add_metric([name, state], found.eligible)
                    families["age"].add_metric([name, state], found.oldest_eligible_age)
        families["undelivered"].add_metric(["pending"], backlog.pending)
        families["undelivered"].add_metric(["given_up"], backlog.given_up)
        families["undelivered_age"].add_metric([], backlog.oldest_pending_age)
        families["up"].add_metric([], 1)
        return list(families.values())
