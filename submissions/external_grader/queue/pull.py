"""Reading the queue: ``pull`` (hand one row to a grader), ``queue_length``, ``queue_stats``, ``depth``."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from typing import TYPE_CHECKING, Protocol, TypedDict

from django.db import transaction
from django.db.models import Count, Min
from django.utils.timezone import now

from submissions import metrics
from submissions.conf import app_settings
from submissions.db import grader as grader_sql
from submissions.db.depth import queue_depth
from submissions.db.grader import CANDIDATES_PER_STATE, LOCK_WINDOW
from submissions.errors import GraderAuthorizationError, UnknownQueueError
from submissions.external_grader.eligibility import eligible_q, index_scans
from submissions.external_grader.models import ExternalGraderDetail
from submissions.external_grader.queue._common import (
    at_attempt_cap,
    db_alias,
    ensure_related,
    fail_row,
    features,
    lock_of_self,
    move,
)
from submissions.external_grader.states import UNFINISHED, Status

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = [
    "pull",
    "take",
    "Pulled",
    "GraderAccount",
    "queue_length",
    "is_known_queue",
    "known_queues",
    "queue_stats",
    "QueueStats",
    "StateStats",
    "depth",
    "StateDepth",
    "DEPTH_STATES",
]

logger = logging.getLogger("submissions.external_grader.queue")

#: Upper bound of rounds in one pull (rows taken by concurrent pullers, rows failed at the cap).
_MAX_ROUNDS = 50


def is_known_queue(queue_name: str | None) -> bool:
    """Whether ``queue_name`` is in the ``QUEUES`` registry (or, without one, has any grader row)."""
    if not queue_name or not isinstance(queue_name, str):
        return False
    registry = app_settings.QUEUES
    if registry is not None:
        return queue_name in registry
    return ExternalGraderDetail.objects.filter(queue_name=queue_name).exists()


def _registry_admitting(queue_name: str) -> Collection[str] | None:
    """
    The ``QUEUES`` registry (None without one), after raising ``UnknownQueueError`` for a name that is no
    string, is empty, or is not registered. Without a registry, whether the queue has rows is the caller's.
    """
    if not queue_name or not isinstance(queue_name, str):
        raise UnknownQueueError(queue_name or "")
    registry = app_settings.QUEUES
    if registry is not None and queue_name not in registry:
        raise UnknownQueueError(queue_name)
    return registry


def known_queues() -> list[str]:
    """The registry, or every queue name that has a grader row."""
    registry = app_settings.QUEUES
    if registry is not None:
        return sorted(registry)
    return sorted(ExternalGraderDetail.objects.values_list("queue_name", flat=True).distinct())


class GraderAccount(Protocol):
    """
    The grader a row is handed to: its user (``request.user`` of the XQueue views). ``get_username()``, the
    user name Django users give whatever their ``USERNAME_FIELD``, selects its ``GRADER_QUEUES`` entry.
    """

    def get_username(self) -> str: ...


def _check_grader(queue_name: str, grader: GraderAccount | None) -> None:
    restrictions = app_settings.GRADER_QUEUES
    if grader is None or not restrictions:
        return
    allowed = restrictions.get(grader.get_username())
    if allowed is not None and queue_name not in allowed:
        raise GraderAuthorizationError(f"Grader may not use queue '{queue_name}'")


def _candidate_ids(queue_name: str, moment: datetime.datetime) -> list[int]:
    """
    Ids of the ``LOCK_WINDOW`` oldest of up to ``CANDIDATES_PER_STATE`` eligible rows per state, each state
    read in the order of the ``(queue_name, status, status_time)`` index (one ``UNION ALL`` query where the
    backend allows it).
    """
    alias = db_alias()
    if grader_sql.enabled(alias):
        rows = grader_sql.candidate_rows(alias, queue_name, moment)
    elif features().supports_slicing_ordering_in_compound:
        per_state = [
            ExternalGraderDetail.objects.filter(
                queue_name=queue_name, status=status, **({"status_time__lte": cut} if cut is not None else {})
            )
            .order_by("status_time")
            .values_list("pk", "created_at")[:CANDIDATES_PER_STATE]
            for status, cut in index_scans(moment)
        ]
        rows = list(per_state[0].union(*per_state[1:], all=True))
    else:
        # SQLite: no LIMIT inside a compound query; one OR query (small embedded queues).
        rows = list(
            ExternalGraderDetail.objects.filter(queue_name=queue_name)
            .filter(eligible_q(moment))
            .order_by("created_at", "pk")
            .values_list("pk", "created_at")[:LOCK_WINDOW]
        )
    rows.sort(key=lambda row: (row[1], row[0]))
    return [pk for pk, _ in rows[:LOCK_WINDOW]]


def _lock_first(candidates: list[int], moment: datetime.datetime, join: bool) -> Pulled | None:
    """
    Lock the oldest still-eligible candidate, skipping rows other transactions hold, as a :class:`Pulled`.

    PostgreSQL locks rows lazily under ORDER BY ... LIMIT 1, so one query suffices (``db.grader``, which also
    tells whether the row has files). MariaDB (no ``FOR UPDATE OF``) would keep every matching row of a
    sorted scan locked until commit, starving the other pullers, so there each candidate is tried by primary
    key, oldest first.
    """
    alias = db_alias()
    if grader_sql.enabled(alias):
        locked = grader_sql.lock_first_pullable(alias, moment, candidates)
        return None if locked is None else Pulled(locked.row, locked.has_files)
    rows = ExternalGraderDetail.objects.select_for_update(skip_locked=True, **lock_of_self()).filter(eligible_q(moment))
    if join:
        rows = rows.select_related("submission__student_item")
    if lock_of_self() or not features().has_select_for_update:
        row = rows.filter(pk__in=candidates).order_by("created_at", "pk").first()
        return None if row is None else Pulled(row)
    for pk in candidates:
        row = rows.filter(pk=pk).first()
        if row is not None:
            return Pulled(row)
    return None


def _handed_out(row: ExternalGraderDetail, queue_name: str) -> None:
    logger.info("Handed out submission %s of queue %s (attempt %s)", row.submission_id, queue_name, row.num_attempts)
    metrics.record.hand_out(queue_name, row.num_attempts)


@dataclasses.dataclass(frozen=True)
class Pulled:
    """A row handed out by :func:`take`, its submission and student item loaded."""

    row: ExternalGraderDetail
    #: False when the statement that locked the row read that it has no files (a query saved).
    may_have_files: bool = True


def pull(queue_name: str, grader: GraderAccount | None = None) -> ExternalGraderDetail | None:
    """
    Hand the oldest eligible row of ``queue_name`` to a grader, or return None when there is none.

    Eligible (``eligibility``): ``pending``; ``retry`` whose back-off has elapsed; ``pulled`` older than the
    processing delay. The row is locked with ``SELECT ... FOR UPDATE SKIP LOCKED`` and moved by the
    ``hand_out`` transition (a new pull key, ``status_time = now``, one more attempt). A row that used all its
    attempts fails (with the failure notice) instead, and the next row is tried. The returned row has
    ``submission`` and ``submission.student_item`` loaded.

    ``grader`` is the grader's user: its ``get_username()`` entry in ``GRADER_QUEUES``, if any, lists the queues
    it may use. Raises ``UnknownQueueError`` and, for a queue outside that list, ``GraderAuthorizationError``.
    """
    pulled = take(queue_name, grader)
    return None if pulled is None else pulled.row


def take(queue_name: str, grader: GraderAccount | None = None) -> Pulled | None:
    """:func:`pull`, answering a :class:`Pulled` (which also tells whether the row may have files)."""
    registry = _registry_admitting(queue_name)
    _check_grader(queue_name, grader)
    alias = db_alias()
    if grader_sql.enabled(alias) and grader_sql.hand_out_is_plain():
        # PostgreSQL, the usual pull in one statement: candidates, lock and hand-out, which also tells an
        # empty queue. When it hands out nothing but had candidates, the rounds below look again (rows taken
        # by concurrent pullers, rows at the cap).
        outcome = grader_sql.hand_out(alias, queue_name, now(), app_settings.MAX_ATTEMPTS)
        if outcome.handed is not None:
            _handed_out(outcome.handed.row, queue_name)
            return Pulled(outcome.handed.row, outcome.handed.has_files)
        if not outcome.candidates:  # nothing eligible: the idle poll ends here
            if registry is None and not outcome.known:
                raise UnknownQueueError(queue_name)
            return None
    join = bool(lock_of_self()) or not features().has_select_for_update
    previous: list[int] | None = None
    for _ in range(_MAX_ROUNDS):
        moment = now()
        candidates = _candidate_ids(queue_name, moment)
        if not candidates or sorted(candidates) == previous:
            break  # empty, or nothing changed since the last round (e.g. retry rows still backing off)
        previous = sorted(candidates)
        with transaction.atomic(using=db_alias()):
            pulled = _lock_first(candidates, moment, join)
            if pulled is None:
                continue  # every candidate was taken meanwhile: look again
            if at_attempt_cap(pulled.row):
                fail_row(pulled.row, f"no reply after {pulled.row.num_attempts} hand-outs", cause="attempts")
                continue
            move(pulled.row, "hand_out")
            ensure_related(pulled.row)
        _handed_out(pulled.row, queue_name)
        return pulled
    if registry is None and not is_known_queue(queue_name):
        raise UnknownQueueError(queue_name)
    return None


def queue_length(queue_name: str) -> int:
    """Number of rows of ``queue_name`` a grader could pull now. Raises ``UnknownQueueError``."""
    registry = _registry_admitting(queue_name)
    # One portable statement on every backend, which also tells whether the queue exists (compiling
    # ``eligible_q`` cost more CPU than counting).
    count, known = grader_sql.count_eligible(db_alias(), queue_name, now(), known=registry is None)
    if registry is None and not known:
        raise UnknownQueueError(queue_name)
    return count


class StateStats(TypedDict):
    """The rows of one queue in one state: how many, the oldest ``status_time``, and its age in seconds."""

    count: int
    oldest: datetime.datetime
    oldest_age: float | None


class QueueStats(TypedDict):
    """One queue in :func:`queue_stats`: its rows by state, and how many a grader could pull now."""

    states: dict[str, StateStats]
    eligible: int


def queue_stats(queue_name: str | None = None) -> dict[str, QueueStats]:
    """
    Per queue: ``{"states": {status: {"count", "oldest", "oldest_age"}}, "eligible": int}``, where
    ``oldest`` is the oldest ``status_time`` of that state and ``oldest_age`` its age in seconds.
    """
    moment = now()
    rows = ExternalGraderDetail.objects.order_by()
    if queue_name:
        rows = rows.filter(queue_name=queue_name)
    grouped = rows.values("queue_name", "status").annotate(count=Count("pk"), oldest=Min("status_time"))
    stats: dict[str, QueueStats] = {}
    for entry in grouped:
        queue = stats.setdefault(entry["queue_name"], {"states": {}, "eligible": 0})
        queue["states"][entry["status"]] = {
            "count": entry["count"],
            "oldest": entry["oldest"],
            "oldest_age": (moment - entry["oldest"]).total_seconds() if entry["oldest"] else None,
        }
    eligible = rows.filter(eligible_q(moment)).values("queue_name").annotate(count=Count("pk"))
    for entry in eligible:
        stats[entry["queue_name"]]["eligible"] = entry["count"]
    for name in app_settings.QUEUES or ():
        stats.setdefault(name, {"states": {}, "eligible": 0})
    return dict(sorted(stats.items()))


#: The states :func:`depth` counts: the rows waiting for a grade, and those failed for good.
DEPTH_STATES: tuple[Status, ...] = (*UNFINISHED, Status.FAILED)


@dataclasses.dataclass(frozen=True)
class StateDepth:
    """A queue's rows in one state, how many of them a grader could receive now, and the oldest one's wait."""

    rows: int = 0
    eligible: int = 0
    #: Seconds since the oldest eligible row entered its state (``status_time``); 0 when none is eligible.
    oldest_eligible_age: float = 0.0


def depth() -> dict[str, dict[str, StateDepth]]:
    """
    ``{queue name: {state: StateDepth}}`` for each state of :data:`DEPTH_STATES`, for every queue that has a
    grader row or is in ``QUEUES``, in one statement (``db.depth``) whose cost grows with the rows waiting, not
    with the rows ever graded. The metrics collector reads it at each scrape.
    """
    moment = now()
    found: dict[str, dict[str, StateDepth]] = {name: {} for name in app_settings.QUEUES or ()}
    for name, state, rows, eligible, oldest in queue_depth(db_alias(), moment, DEPTH_STATES):
        age = max((moment - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        found.setdefault(name, {})[state] = StateDepth(rows, eligible, age)
    return {
        name: {str(state): states.get(state, StateDepth()) for state in DEPTH_STATES}
        for name, states in sorted(found.items())
    }
