"""
The score event of external grading, and its outbox.

A recorded grade (or a failure notice) writes one :class:`~submissions.models.ScoreEventDelivery`
row in the same transaction (:func:`record_score_event`). After that transaction commits, the row is
delivered (:func:`deliver`) on three channels, each at most once per row once it succeeded:

``signal``
    our Django signal :data:`submissions.signals.external_grader_score_submitted` (always);
``openedx``
    ``openedx_events.learning.signals.EXTERNAL_GRADER_SCORE_SUBMITTED.send_event(score=...)``, when
    openedx-events is installed (the ``[openedx]`` extra);
``bus``
    a publish to the openedx-events event bus topic ``SUBMISSIONS["SCORE_EVENT_BUS_TOPIC"]``, when set
    (see :mod:`submissions.external_grader.bus`); unlike openedx-events' own bus handler, a failed
    publish is seen and retried.

A failed channel leaves the row undelivered with ``last_error`` and a back-off in
``next_attempt_at``; :func:`deliver_pending_events` (command ``deliver_score_events``) retries it,
skipping the channels that already succeeded. A rolled-back transaction leaves no row and sends
nothing. See ADR 0005.
"""

import dataclasses
import datetime
import functools
import json
import logging
import time

from django.db import OperationalError, router, transaction
from django.db.models import Count, F, Min, Q
from django.utils.timezone import now

from submissions import signals
from submissions.conf import app_settings
from submissions.db import grader as grader_sql
from submissions.db.errors import is_transient
from submissions.db.rows import insert_row
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery

__all__ = [
    "ScoreEventData",
    "CHANNELS",
    "event_data_for",
    "record_score_event",
    "deliver",
    "deliver_pending_events",
    "openedx_events_available",
    "Backlog",
    "outbox_backlog",
]

logger = logging.getLogger(__name__)

#: Delivery channels, in the order they are tried.
CHANNELS = ("signal", "openedx", "bus")

#: Seconds a delivery attempt owns its outbox row before another worker may try it again.
CLAIM_LEASE_SECONDS = 300

#: Longest wait between two redelivery attempts, in seconds.
MAX_REDELIVERY_DELAY = 3600


@dataclasses.dataclass(frozen=True)
class ScoreEventData:
    """The fields of openedx-events' ``ExternalGraderScoreData``, without depending on it."""

    points_possible: int
    points_earned: int
    course_id: str
    score_msg: str
    submission_id: int
    user_id: str
    module_id: str
    queue_key: str
    queue_name: str

    def as_dict(self):
        return dataclasses.asdict(self)

    def to_openedx(self):
        """The openedx-events data object (needs the ``[openedx]`` extra)."""
        from openedx_events.learning.data import ExternalGraderScoreData

        return ExternalGraderScoreData(**self.as_dict())


def openedx_events_available():
    """Whether openedx-events (with the external grader event) can be imported."""
    return _openedx_signal() is not None


@functools.cache
def _openedx_signal():
    """openedx-events' ``EXTERNAL_GRADER_SCORE_SUBMITTED``, or None without the ``[openedx]`` extra."""
    try:
        from openedx_events.learning.signals import EXTERNAL_GRADER_SCORE_SUBMITTED
    except ImportError:
        return None
    return EXTERNAL_GRADER_SCORE_SUBMITTED


def event_data_for(detail, points_earned, score_msg):
    """Build the event of ``detail`` (its submission and student item loaded) with the given points."""
    student_item = detail.submission.student_item
    return ScoreEventData(
        points_possible=int(detail.points_possible),
        points_earned=int(points_earned),
        course_id=str(student_item.course_id),
        score_msg=str(score_msg),
        submission_id=int(detail.submission_id),
        user_id=str(student_item.student_id),
        module_id=str(student_item.item_id),
        queue_key=str(detail.queue_key or ""),
        queue_name=str(detail.queue_name),
    )


def record_score_event(detail, points_earned, score_msg, kind=ScoreEventDelivery.Kind.SCORE):
    """
    Write the outbox row of one event, inside the caller's transaction, and deliver it on commit.

    Must be called inside ``transaction.atomic()`` (the grading transaction): if it rolls back,
    the row disappears and the on-commit delivery never runs.

    The row is written already claimed for its first attempt (``attempts`` 1, a lease of
    ``CLAIM_LEASE_SECONDS``), so the delivery after commit needs no claim statement of its own. If
    this process dies between commit and delivery, the sweeper (``deliver_pending_events``) sends
    the event once the lease has run out, as it does for a delivery that died mid-send.
    """
    data = event_data_for(detail, points_earned, score_msg)
    claimed_until = now() + datetime.timedelta(seconds=CLAIM_LEASE_SECONDS)
    delivery = ScoreEventDelivery(
        external_grader=detail,
        kind=kind,
        payload=json.dumps({"event": data.as_dict(), "done": []}, sort_keys=True),
        attempts=1,
        next_attempt_at=claimed_until,
    )
    insert_row(delivery, using=_outbox_alias())
    delivery_id = delivery.pk
    # robust: a failure after commit (e.g. the database gone) is logged; the sweeper retries after the lease
    transaction.on_commit(lambda: _deliver_new(delivery_id, data, claimed_until), robust=True)
    return delivery


def _deliver_new(delivery_id, data, claimed_until):
    """
    The after-commit delivery of a row this process just wrote, claimed when written (its payload is
    the one in memory, nothing done yet): sent without re-reading it, one statement for the outcome.
    While at least half of the lease is left, no other worker can take the row during the send. A
    commit that came later (a caller's long transaction) renews the lease first, compare-and-set on
    the written one, and leaves the row to whoever took it meanwhile.
    """
    moment = now()
    if moment > claimed_until - datetime.timedelta(seconds=CLAIM_LEASE_SECONDS / 2):
        renewed = moment + datetime.timedelta(seconds=CLAIM_LEASE_SECONDS)
        alias = _outbox_alias()
        if not _retried(lambda: grader_sql.renew_outbox_claim(alias, delivery_id, claimed_until, renewed)):
            return None
    return _send(delivery_id, data, [], 1)


def _outbox_alias():
    return router.db_for_write(ScoreEventDelivery)


def _retried(write):
    """``write()``, retried on deadlocks and lock timeouts (InnoDB may pick a single-row update as victim)."""
    for attempt in range(6):
        try:
            return write()
        except OperationalError as exc:
            if not is_transient(exc) or attempt == 5:
                raise
            time.sleep(0.01 * 2**attempt)
    return 0


def _update(filters, **values):
    """``UPDATE`` by ``filters``, retried on deadlocks (:func:`_retried`)."""
    return _retried(lambda: ScoreEventDelivery.objects.filter(**filters).update(**values))


def _claim(delivery_id):
    """Take the row for one attempt (compare-and-set), so two workers never deliver it at once."""
    moment = now()
    claimed = _update(
        {
            "pk": delivery_id,
            "delivered_at__isnull": True,
            "next_attempt_at__lte": moment,
            "attempts__lt": max(app_settings.EVENT_MAX_DELIVERY_ATTEMPTS, 1),
        },
        attempts=F("attempts") + 1,
        next_attempt_at=moment + datetime.timedelta(seconds=CLAIM_LEASE_SECONDS),
    )
    if not claimed:
        return None
    return ScoreEventDelivery.objects.filter(pk=delivery_id).first()


def _send_signal(data):
    responses = signals.external_grader_score_submitted.send_robust(sender=ExternalGraderDetail, score=data)
    errors = [f"{getattr(receiver, '__qualname__', receiver)}: {exc!r}" for receiver, exc in responses if exc]
    if errors:
        raise _ChannelError("; ".join(errors))


def _send_openedx(data):
    responses = _openedx_signal().send_event(score=data.to_openedx()) or []
    errors = [
        f"{getattr(receiver, '__qualname__', receiver)}: {response!r}"
        for receiver, response in responses
        if isinstance(response, Exception)
    ]
    if errors:
        raise _ChannelError("; ".join(errors))


def _send_bus(data):
    from submissions.external_grader import bus

    bus.publish_score(data)


class _ChannelError(Exception):
    """A channel's receivers reported errors (collected by ``send_robust``)."""


def _channels_due():
    """The channels configured now: the Django signal always, the others when available/configured."""
    due = ["signal"]
    if openedx_events_available():
        due.append("openedx")
        if app_settings.SCORE_EVENT_BUS_TOPIC:
            due.append("bus")
    return due


_SENDERS = {"signal": _send_signal, "openedx": _send_openedx, "bus": _send_bus}


def deliver(delivery_id):
    """
    Deliver one outbox row on every channel not yet done. Returns True when it is fully delivered,
    False when a channel failed (recorded for redelivery), None when the row was not due.

    Never raises for a receiver's or the bus's failure: the error is recorded on the row, with a
    back-off before the next attempt. Safe to call concurrently (the row is claimed first).
    """
    delivery = _claim(delivery_id)
    if delivery is None:
        return None  # delivered, not due, out of attempts, or being delivered by another worker
    payload = json.loads(delivery.payload)
    return _send(delivery.pk, ScoreEventData(**payload["event"]), list(payload.get("done", [])), delivery.attempts)


def _send(delivery_id, data, done, attempts):
    """
    Send the event on every due channel not in ``done``, then record the outcome with one UPDATE of the
    claimed row ``delivery_id`` (``attempts`` counts this attempt). Returns True or False as :func:`deliver`.
    """
    done = list(done)
    errors = []
    for channel in _channels_due():
        if channel in done:
            continue
        try:
            _SENDERS[channel](data)
        except Exception as exc:  # a boundary: any receiver or bus error is recorded and retried
            logger.warning(
                "Score event %s (submission %s) failed on channel %s: %r",
                delivery_id,
                data.submission_id,
                channel,
                exc,
            )
            errors.append(f"{channel}: {exc!r}")
        else:
            done.append(channel)
    payload = json.dumps({"event": data.as_dict(), "done": done}, sort_keys=True)
    moment = now()
    if errors:
        delay = min(max(app_settings.RETRY_BACKOFF, 1) * 2 ** max(attempts - 1, 0), MAX_REDELIVERY_DELAY)
        _update(
            {"pk": delivery_id},
            payload=payload,
            last_error="\n".join(errors)[:4000],
            next_attempt_at=moment + datetime.timedelta(seconds=delay),
        )
        if attempts >= app_settings.EVENT_MAX_DELIVERY_ATTEMPTS:
            logger.error("Score event %s: giving up after %s attempts", delivery_id, attempts)
        return False
    alias = _outbox_alias()
    _retried(lambda: grader_sql.mark_outbox_delivered(alias, delivery_id, payload, moment))
    logger.info("Score event %s delivered (submission %s)", delivery_id, data.submission_id)
    return True


def pending_deliveries():
    """Outbox rows due for (re)delivery now."""
    return ScoreEventDelivery.objects.filter(
        Q(delivered_at__isnull=True)
        & Q(next_attempt_at__lte=now())
        & Q(attempts__lt=max(app_settings.EVENT_MAX_DELIVERY_ATTEMPTS, 1))
    ).order_by("id")


def deliver_pending_events(limit=500):
    """Redeliver due outbox rows, oldest first. Returns ``(delivered, failed)`` counts."""
    delivered = failed = 0
    for delivery_id in list(pending_deliveries().values_list("pk", flat=True)[:limit]):
        result = deliver(delivery_id)
        if result:
            delivered += 1
        elif result is False:
            failed += 1
    return delivered, failed


@dataclasses.dataclass(frozen=True)
class Backlog:
    """Score events not delivered yet: still to be (re)tried, given up, and the oldest waiting one's age."""

    pending: int
    given_up: int
    #: Seconds since the oldest event still to be tried was written; 0 when there is none.
    oldest_pending_age: float


def outbox_backlog():
    """The outbox's :class:`Backlog`, in one statement (the ``delivered_at`` index finds the undelivered rows)."""
    cap = max(app_settings.EVENT_MAX_DELIVERY_ATTEMPTS, 1)
    moment = now()
    found = ScoreEventDelivery.objects.filter(delivered_at__isnull=True).aggregate(
        pending=Count("pk", filter=Q(attempts__lt=cap)),
        given_up=Count("pk", filter=Q(attempts__gte=cap)),
        oldest=Min("created_at", filter=Q(attempts__lt=cap)),
    )
    oldest = found["oldest"]
    age = max((moment - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return Backlog(found["pending"], found["given_up"], age)
