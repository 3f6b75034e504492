"""
Which grader rows a grader could receive at a moment, written once.

Eligible: ``pending``; ``retry`` once its back-off has elapsed (linear in its failures, capped); ``pulled``
once its grader has been silent for the processing delay (a stale hand-out). :func:`terms` states this as
data; :func:`eligible_q` renders it for the ORM (the manager, ``queue_stats``, the reference paths) and
:func:`submissions.db.grader.eligible_where` as SQL for the hand-written statements. :func:`index_scans`
gives, per state, the loosest condition, for reads that walk the ``(queue_name, status, status_time)`` index.
"""

import dataclasses
import datetime

from django.db.models import Q

from submissions.conf import app_settings
from submissions.external_grader.states import Status

__all__ = ["Term", "terms", "eligible_q", "index_scans", "retry_delay", "max_backoff_steps"]


@dataclasses.dataclass(frozen=True)
class Term:
    """Rows in ``status``, with ``num_failures`` ``failures = (lookup, value)`` (or any), ``status_time <= cut``."""

    status: str
    failures: tuple[str, int] | None = None  # lookup: "lte", "exact" or "gte"
    cut: datetime.datetime | None = None


def max_backoff_steps():
    """Steps of the retry back-off: ``MAX_ATTEMPTS`` within 1..20."""
    return max(1, min(app_settings.MAX_ATTEMPTS or 1, 20))


def retry_delay(num_failures):
    """Seconds a ``retry`` row with ``num_failures`` waits (linear back-off, capped by MAX_ATTEMPTS)."""
    return app_settings.RETRY_BACKOFF * max(1, min(num_failures or 1, max_backoff_steps()))


def terms(moment):
    """The eligibility at ``moment`` as alternative :class:`Term` s (a row is eligible if it matches any)."""
    delay = datetime.timedelta(seconds=app_settings.processing_delay_seconds)
    backoff = datetime.timedelta(seconds=app_settings.RETRY_BACKOFF)
    steps = max_backoff_steps()
    result = [Term(Status.PENDING), Term(Status.RETRY, ("lte", 1), moment - backoff)]
    result += [Term(Status.RETRY, ("exact", step), moment - backoff * step) for step in range(2, steps)]
    if steps > 1:
        result.append(Term(Status.RETRY, ("gte", steps), moment - backoff * steps))
    result.append(Term(Status.PULLED, None, moment - delay))
    return result


def eligible_q(moment):
    """Rows a grader could receive at ``moment``, as a ``Q``."""
    condition = Q()
    for term in terms(moment):
        lookups = {"status": term.status}
        if term.failures is not None:
            lookup, value = term.failures
            lookups[f"num_failures__{lookup}"] = value
        if term.cut is not None:
            lookups["status_time__lte"] = term.cut
        condition |= Q(**lookups)
    return condition


def index_scans(moment):
    """``[(status, cut or None)]``: per eligible state, the loosest ``status_time <= cut`` of its terms."""
    loosest = {}
    for term in terms(moment):
        if term.status in loosest and (loosest[term.status] is None or term.cut is None):
            loosest[term.status] = None
        else:
            loosest[term.status] = term.cut if term.status not in loosest else max(loosest[term.status], term.cut)
    return list(loosest.items())
