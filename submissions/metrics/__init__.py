"""
Prometheus metrics of the grader queue, for operators (``docs/metrics.rst``, ADR 0026).

The services report what they did to :data:`record`, and nothing else here is on a request's path:

* ``record.hand_out(queue_name, attempts)``: ``queue.take`` handed a row out;
* ``record.reply(queue_name, result, latency=None)``: ``queue.put_result`` accepted a reply (``result`` in
  :data:`REPLY_RESULTS`; ``latency``, seconds from the hand-out, when the reply was recorded);
* ``record.reply_refused(error)``: ``queue.put_result`` refused a reply with ``error`` (a ``SubmissionError``);
* ``record.failure(queue_name, cause, outcome)``: a row counted a failure (:data:`FAILURE_CAUSES`,
  :data:`FAILURE_OUTCOMES`);
* ``record.login(result)``: a grader login ended with ``result`` (:data:`LOGIN_RESULTS`).

:data:`record` is :data:`OFF`, whose methods do nothing, unless ``SUBMISSIONS["METRICS"]`` is on and
prometheus_client (the ``[metrics]`` extra) imports: then it counts into prometheus_client's metrics
(:mod:`submissions.metrics.prometheus`). :func:`submissions.metrics.registry.configure` chooses, at start-up
and whenever the ``SUBMISSIONS`` setting changes. Queue depth, ages and the outbox backlog are not counted
here: the collector reads them from the database when the metrics page is scraped. This module imports
without prometheus_client.
"""

import importlib.util

from submissions.conf import app_settings
from submissions.errors import (
    ExternalGraderBusyError,
    ExternalGraderNotFoundError,
    ExternalGraderRetiredError,
    GraderReplyError,
    IncorrectPullKeyError,
    LateGraderReplyError,
    SubmissionInternalError,
)

__all__ = [
    "record",
    "OFF",
    "available",
    "enabled",
    "refusal_reason",
    "REPLY_RESULTS",
    "REFUSAL_REASONS",
    "FAILURE_CAUSES",
    "FAILURE_OUTCOMES",
    "LOGIN_RESULTS",
]

#: An accepted reply: its score written, not written (lower than the recorded one on an ``only_if_higher``
#: row), or an exact repeat of the reply accepted before (nothing written).
REPLY_RESULTS = ("recorded", "not_higher", "duplicate")

#: Why ``put_result`` refused a reply, in the order the error classes are tested (subclasses first).
_REFUSALS = (
    (GraderReplyError, "invalid"),
    (ExternalGraderNotFoundError, "not_found"),
    (ExternalGraderBusyError, "busy"),
    (LateGraderReplyError, "late"),
    (ExternalGraderRetiredError, "already_graded"),
    (IncorrectPullKeyError, "wrong_key"),
    (SubmissionInternalError, "error"),
)
REFUSAL_REASONS = (*(reason for _, reason in _REFUSALS), "other")

#: What made a row count a failure: recording its reply failed, it reached ``MAX_ATTEMPTS`` hand-outs
#: without a reply, or an operator failed it.
FAILURE_CAUSES = ("recording", "attempts", "operator")
#: Where the row went: back in line (``retry``) or failed for good (``failed``).
FAILURE_OUTCOMES = ("retry", "failed")

#: How a login ended (never labelled by user name or secret).
LOGIN_RESULTS = ("accepted", "bad_credentials", "not_grader", "rate_limited", "missing_credentials")


def refusal_reason(error):
    """The :data:`REFUSAL_REASONS` entry of a ``put_result`` error."""
    for error_class, reason in _REFUSALS:
        if isinstance(error, error_class):
            return reason
    return "other"


class Off:
    """The recorder while metrics are off: every report is dropped."""

    def hand_out(self, queue_name, attempts):
        pass

    def reply(self, queue_name, result, latency=None):
        pass

    def reply_refused(self, error):
        pass

    def failure(self, queue_name, cause, outcome):
        pass

    def login(self, result):
        pass


OFF = Off()

#: The recorder the services report to (see the module's docstring).
record = OFF


def available():
    """Whether prometheus_client (the ``[metrics]`` extra) is installed."""
    return importlib.util.find_spec("prometheus_client") is not None


def enabled():
    """Whether metrics are on: ``SUBMISSIONS["METRICS"]`` is set and prometheus_client is installed."""
    return bool(app_settings.METRICS) and available()
