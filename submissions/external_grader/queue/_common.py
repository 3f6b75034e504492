"""Helpers shared by the queue services: eligibility, locking, failing a row with its notice."""

import datetime
import json
import logging

from django.db import connection, router, transaction
from django.db.models import Q

from submissions import signals
from submissions.conf import app_settings
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.states import Status
from submissions.services.rows import update_row

logger = logging.getLogger("submissions.external_grader.queue")

#: Rows read per state when looking for the next row to hand out.
CANDIDATES_PER_STATE = 24


def db_alias():
    return router.db_for_write(ExternalGraderDetail)


def features():
    from django.db import connections

    return connections[db_alias()].features


def lock_of_self():
    """``{"of": ("self",)}`` where the backend can lock only the grader row of a joined query."""
    return {"of": ("self",)} if features().has_select_for_update_of else {}


def retry_delay(num_failures):
    """Seconds a ``retry`` row with ``num_failures`` waits (linear back-off, capped by MAX_ATTEMPTS)."""
    return app_settings.RETRY_BACKOFF * max(1, min(num_failures or 1, max_backoff_steps()))


def max_backoff_steps():
    return max(1, min(app_settings.MAX_ATTEMPTS or 1, 20))


def eligible_q(moment):
    """Rows a grader could receive at ``moment``: pending, retry past back-off, pulled and stale."""
    delay = datetime.timedelta(seconds=app_settings.processing_delay_seconds)
    backoff = datetime.timedelta(seconds=app_settings.RETRY_BACKOFF)
    steps = max_backoff_steps()
    retry = Q(status=Status.RETRY, num_failures__lte=1, status_time__lte=moment - backoff)
    for step in range(2, steps):
        retry |= Q(status=Status.RETRY, num_failures=step, status_time__lte=moment - backoff * step)
    if steps > 1:
        retry |= Q(status=Status.RETRY, num_failures__gte=steps, status_time__lte=moment - backoff * steps)
    return Q(status=Status.PENDING) | retry | Q(status=Status.PULLED, status_time__lte=moment - delay)


def eligible_sql(moment, connection, qualified=True):
    """
    :func:`eligible_q` as a ``(sql, params)`` WHERE fragment on the grader table, term for term the
    same conditions, written by hand: compiling the ORM ``Q`` cost about 1.3 ms of CPU per pull.
    Columns are qualified by the table's name unless ``qualified`` is false.
    """
    qn = connection.ops.quote_name
    prefix = f"{qn(ExternalGraderDetail._meta.db_table)}." if qualified else ""
    status, time_col, failures = (f"{prefix}{qn(name)}" for name in ("status", "status_time", "num_failures"))
    delay = datetime.timedelta(seconds=app_settings.processing_delay_seconds)
    backoff = datetime.timedelta(seconds=app_settings.RETRY_BACKOFF)
    steps = max_backoff_steps()
    retry = [f"({failures} <= %s AND {time_col} <= %s)"]
    params = [Status.RETRY, 1, moment - backoff]
    for step in range(2, steps):
        retry.append(f"({failures} = %s AND {time_col} <= %s)")
        params += [step, moment - backoff * step]
    if steps > 1:
        retry.append(f"({failures} >= %s AND {time_col} <= %s)")
        params += [steps, moment - backoff * steps]
    sql = f"({status} = %s OR ({status} = %s AND ({' OR '.join(retry)})) OR ({status} = %s AND {time_col} <= %s))"
    return sql, [Status.PENDING, *params, Status.PULLED, moment - delay]


def save_fields(row, attnames):
    """``row.save(update_fields=attnames)`` for a grader row the caller holds locked (see ``update_row``)."""
    update_row(row, attnames, using=row._state.db or db_alias())


def at_attempt_cap(row):
    """Whether the row used all its hand-outs (``MAX_ATTEMPTS``; 0 means no cap)."""
    cap = app_settings.MAX_ATTEMPTS
    return bool(cap) and (row.num_attempts or 0) >= cap


def failure_message():
    """The reply text of the failure notice (capa reads correct/score/msg)."""
    return json.dumps({"correct": False, "score": 0, "msg": app_settings.FAILURE_MESSAGE})


def ensure_related(row):
    """Load ``row.submission.student_item`` (one query) unless already cached."""
    if "submission" not in row._state.fields_cache:
        from submissions.models import Submission

        row.submission = Submission._objects.select_related("student_item").get(pk=row.submission_id)
    elif "student_item" not in row.submission._state.fields_cache:
        row.submission.student_item  # noqa: B018  (loads it)
    return row


def fail_row(row, reason, notice=True):
    """
    Move a locked row to ``failed`` (inside the caller's transaction); with ``notice`` and
    ``FAILURE_NOTICE`` write the failure event to the outbox. ``external_grader_failed`` is sent
    after commit.
    """
    from submissions.external_grader.events import record_score_event

    row.fail()
    row.save(update_fields=["status", "num_failures", "status_time"])
    if notice and app_settings.FAILURE_NOTICE:
        ensure_related(row)
        record_score_event(row, 0, failure_message(), kind=ScoreEventDelivery.Kind.FAILURE)
    logger.warning("Grader row of submission %s failed: %s", row.submission_id, reason)

    def announce():
        signals.external_grader_failed.send_robust(sender=ExternalGraderDetail, external_grader=row, reason=reason)

    transaction.on_commit(announce, robust=True)


def in_sqlite():
    return connection.vendor == "sqlite"
