"""
The counters and the histogram the services count into, in prometheus_client's default registry (``REGISTRY``),
and :class:`Recorder`, the :data:`submissions.metrics.record` of a process with metrics on.

Metrics are created once per process, on the first :func:`recorder` call. Each report costs a dictionary
look-up for the labelled child (kept here: prometheus_client's ``labels()`` validates and locks on every call)
and the child's ``inc()`` or ``observe()``; ``bench/metrics_cost.py`` measures it. A report never raises: a
metric that cannot be written (a deleted multiprocess directory, a full disk) is logged once and the request
goes on. Every series of a label set the library knows exists at 0 from the start (login results, refusal
reasons) or from its queue's first report, so rates over them are defined.
"""

import logging
import threading

from prometheus_client import Counter, Histogram

from submissions import metrics

__all__ = ["Recorder", "recorder", "LATENCY_BUCKETS"]

logger = logging.getLogger(__name__)

#: Buckets of the hand-out-to-reply latency, in seconds: sandboxed runs take from a fraction of a second to the
#: processing delay (300 s by default) and beyond.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class _Metrics:
    """Every counter and histogram of the library, registered in ``REGISTRY``."""

    def __init__(self):
        self.hand_outs = Counter(
            "submissions_grader_hand_outs",
            "Grader rows handed out to graders (attempt: first hand-out of the row, or a repeat).",
            ["queue", "attempt"],
        )
        self.replies = Counter(
            "submissions_grader_replies",
            "Grader replies accepted (result: recorded, not_higher, duplicate).",
            ["queue", "result"],
        )
        self.reply_refusals = Counter(
            "submissions_grader_reply_refusals",
            "Grader replies refused, by reason.",
            ["reason"],
        )
        self.reply_latency = Histogram(
            "submissions_grader_reply_latency_seconds",
            "Seconds from a row's hand-out to its recorded reply.",
            ["queue"],
            buckets=LATENCY_BUCKETS,
        )
        self.failures = Counter(
            "submissions_grader_failures",
            "Failures counted by grader rows (cause: recording, attempts, operator; outcome: retry, failed).",
            ["queue", "cause", "outcome"],
        )
        self.logins = Counter(
            "submissions_grader_logins",
            "Grader logins, by result (accepted, or the reason of the refusal).",
            ["result"],
        )


class _QueueSeries:
    """The labelled children of one queue, created together (so each queue's series exist from its first report)."""

    __slots__ = ("first_hand_outs", "repeat_hand_outs", "replies", "latency", "failures", "_metrics", "_name")

    def __init__(self, registered, name):
        self.first_hand_outs = registered.hand_outs.labels(name, "first")
        self.repeat_hand_outs = registered.hand_outs.labels(name, "repeat")
        self.replies = {result: registered.replies.labels(name, result) for result in metrics.REPLY_RESULTS}
        self.latency = registered.reply_latency.labels(name)
        self.failures = {}
        self._metrics, self._name = registered, name

    def failure(self, cause, outcome):
        child = self.failures.get((cause, outcome))
        if child is None:
            child = self.failures[cause, outcome] = self._metrics.failures.labels(self._name, cause, outcome)
        return child


class Recorder:
    """
    Counts the services' reports into :class:`_Metrics` (the interface of :class:`submissions.metrics.Off`).

    The labelled children are kept per queue (one dictionary look-up by the queue's name, whose hash Python
    caches) and per login result or refusal reason, so a report is a look-up and prometheus_client's
    ``inc()``/``observe()``.
    """

    def __init__(self, registered):
        self.metrics = registered
        self._queues = {}
        self._logins = {result: registered.logins.labels(result) for result in metrics.LOGIN_RESULTS}
        self._refusals = {reason: registered.reply_refusals.labels(reason) for reason in metrics.REFUSAL_REASONS}
        self._failing = False

    def _series(self, queue_name):
        series = self._queues.get(queue_name)
        if series is None:
            with _lock:
                series = self._queues.get(queue_name) or _QueueSeries(self.metrics, queue_name)
                self._queues[queue_name] = series
        return series

    def _failed(self, exc):
        if not self._failing:
            self._failing = True
            logger.error("Metrics could not be recorded (logged once per process): %r", exc)

    def hand_out(self, queue_name, attempts):
        try:
            series = self._queues.get(queue_name) or self._series(queue_name)
            (series.repeat_hand_outs if attempts and attempts > 1 else series.first_hand_outs).inc()
        except Exception as exc:  # a boundary: metrics never fail a request
            self._failed(exc)

    def reply(self, queue_name, result, latency=None):
        try:
            series = self._queues.get(queue_name) or self._series(queue_name)
            series.replies[result].inc()
            if latency is not None:
                series.latency.observe(latency)
        except Exception as exc:  # a boundary: metrics never fail a request
            self._failed(exc)

    def reply_refused(self, error):
        try:
            self._refusals[metrics.refusal_reason(error)].inc()
        except Exception as exc:  # a boundary: metrics never fail a request
            self._failed(exc)

    def failure(self, queue_name, cause, outcome):
        try:
            self._series(queue_name).failure(cause, outcome).inc()
        except Exception as exc:  # a boundary: metrics never fail a request
            self._failed(exc)

    def login(self, result):
        try:
            self._logins[result].inc()
        except Exception as exc:  # a boundary: metrics never fail a request
            self._failed(exc)


_lock = threading.Lock()
_recorder = None


def recorder():
    """This process's :class:`Recorder`, its metrics created and registered in ``REGISTRY`` on the first call."""
    global _recorder
    if _recorder is None:
        with _lock:
            if _recorder is None:
                _recorder = Recorder(_Metrics())
    return _recorder
