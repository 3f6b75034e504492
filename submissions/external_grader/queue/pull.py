"""Reading the queue: ``pull`` (hand one row to a grader), ``queue_length``, ``queue_stats``."""

import datetime
import functools
import logging

from django.db import connections, transaction
from django.db.models import Count, Min
from django.utils.timezone import now

from submissions.conf import app_settings
from submissions.errors import GraderAuthorizationError, UnknownQueueError
from submissions.external_grader.models import ExternalGraderDetail
from submissions.external_grader.queue import _rows
from submissions.external_grader.queue._common import (
    CANDIDATES_PER_STATE,
    at_attempt_cap,
    db_alias,
    eligible_q,
    eligible_sql,
    ensure_related,
    fail_row,
    features,
    lock_of_self,
    save_fields,
)
from submissions.external_grader.states import Status

__all__ = ["pull", "queue_length", "is_known_queue", "known_queues", "queue_stats"]

logger = logging.getLogger("submissions.external_grader.queue")

#: Oldest candidates offered to one locking query: bounds the rows a locking scan touches (MariaDB
#: keeps every matching row it scanned locked until commit) while leaving room for concurrent pullers.
LOCK_WINDOW = 12

#: Upper bound of rounds in one pull (rows taken by concurrent pullers, rows failed at the cap).
_MAX_ROUNDS = 50


def is_known_queue(queue_name):
    """Whether ``queue_name`` is in the ``QUEUES`` registry (or, without one, has any grader row)."""
    if not queue_name or not isinstance(queue_name, str):
        return False
    registry = app_settings.QUEUES
    if registry is not None:
        return queue_name in registry
    return ExternalGraderDetail.objects.filter(queue_name=queue_name).exists()


def _registry_admitting(queue_name):
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


def known_queues():
    """The registry, or every queue name that has a grader row."""
    registry = app_settings.QUEUES
    if registry is not None:
        return sorted(registry)
    return sorted(ExternalGraderDetail.objects.values_list("queue_name", flat=True).distinct())


def _check_grader(queue_name, grader):
    if grader is None:
        return
    allowed = (app_settings.GRADER_QUEUES or {}).get(getattr(grader, "username", None))
    if allowed is not None and queue_name not in allowed:
        raise GraderAuthorizationError(f"Grader may not use queue '{queue_name}'")


def _candidate_ids(queue_name, moment):
    """
    Ids of up to ``CANDIDATES_PER_STATE`` eligible rows per state, each read in the order of the
    ``(queue_name, status, status_time)`` index (one UNION query where the backend allows it).
    """
    if features().supports_slicing_ordering_in_compound:
        rows = _candidate_rows_sql(queue_name, moment)
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


def _candidate_union(connection, queue_name, moment, inline=False):
    """
    ``(sql, params)`` of the oldest rows per state, ``(id, created_at)``, in one ``UNION ALL`` of three
    index scans: pending; retry with ``status_time <= backoff_cut``; pulled with ``status_time <=
    delay_cut``. The statement the ORM built from three sliced querysets, written by hand (compiling it
    cost about 1.5 ms of CPU per pull).

    ``inline``: the queue name and the states are literals in the text, not parameters, so that a
    statement prepared on the server is planned knowing them (ADR 0019): with them as parameters, the
    generic plan read the retry and pulled states through the ``status_time`` index, a scan of the
    whole queue (225 ms with 10^6 rows queued), where the ``(queue_name, status, status_time)`` index
    finds the few rows of those states at once.
    """
    delay_cut = moment - datetime.timedelta(seconds=app_settings.processing_delay_seconds)
    backoff_cut = moment - datetime.timedelta(seconds=app_settings.RETRY_BACKOFF)
    if inline:
        return _union_text(connection.alias, queue_name), [backoff_cut, delay_cut]
    pending, retry, pulled = (str(status) for status in (Status.PENDING, Status.RETRY, Status.PULLED))
    params = [queue_name, pending, queue_name, retry, backoff_cut, queue_name, pulled, delay_cut]
    return _union_text(connection.alias, None), params


def _literal(connection, value):
    """``value`` as an SQL literal in a statement text (its ``%`` doubled: it is no placeholder)."""
    return connection.ops.compose_sql("%s", [value]).replace("%", "%%")


@functools.lru_cache(maxsize=128)
def _queue_literal(alias, queue_name):
    return _literal(connections[alias], queue_name)


@functools.lru_cache(maxsize=128)
def _union_text(alias, queue_name):
    """:func:`_candidate_union`'s text, ``queue_name`` and the states as literals (or, None, placeholders)."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    table = qn(ExternalGraderDetail._meta.db_table)

    def value(raw):
        return "%s" if queue_name is None else _literal(connection, raw)

    queue, parts = value(queue_name), []
    for status, cut in ((Status.PENDING, False), (Status.RETRY, True), (Status.PULLED, True)):
        condition = f" AND {qn('status_time')} <= %s" if cut else ""
        parts.append(
            f"(SELECT {qn('id')}, {qn('created_at')} FROM {table} WHERE {qn('queue_name')} = {queue}"
            f" AND {qn('status')} = {value(str(status))}{condition} ORDER BY {qn('status_time')} ASC"
            f" LIMIT {int(CANDIDATES_PER_STATE)})"
        )
    return " UNION ALL ".join(parts)


def _candidate_rows_sql(queue_name, moment):
    """``(pk, created_at)`` of the rows of :func:`_candidate_union`."""
    connection = connections[db_alias()]
    sql, params = _candidate_union(connection, queue_name, moment)
    created_at = ExternalGraderDetail._meta.get_field("created_at")
    converters = connection.ops.get_db_converters(created_at.get_col(ExternalGraderDetail._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for pk, created in rows:
        for converter in converters:
            created = converter(created, created_at, connection)
        result.append((pk, created))
    return result


def _lock_first(candidates, moment, join):
    """
    Lock the oldest still-eligible candidate, skipping rows other transactions hold.

    PostgreSQL locks rows lazily under ORDER BY ... LIMIT 1, so one query suffices (hand-written, see
    ``_rows.lock_first_pullable``, which also tells whether the row has files). MariaDB (no
    ``FOR UPDATE OF``) would keep every matching row of a sorted scan locked until commit, starving
    the other pullers, so there each candidate is tried by primary key, oldest first.
    """
    alias = db_alias()
    where, params = eligible_sql(moment, connections[alias])
    if _rows.enabled(alias):
        return _rows.lock_first_pullable(alias, where, params, candidates)
    rows = ExternalGraderDetail.objects.select_for_update(skip_locked=True, **lock_of_self()).extra(
        where=[where], params=params
    )
    if join:
        rows = rows.select_related("submission__student_item")
    if lock_of_self() or not features().has_select_for_update:
        return rows.filter(pk__in=candidates).order_by("created_at", "pk").first()
    for pk in candidates:
        row = rows.filter(pk=pk).first()
        if row is not None:
            return row
    return None


def _log_hand_out(row, queue_name):
    logger.info("Handed out submission %s of queue %s (attempt %s)", row.submission_id, queue_name, row.num_attempts)


def pull(queue_name, grader=None):
    """
    Hand the oldest eligible row of ``queue_name`` to a grader, or return None when there is none.

    Eligible: ``pending``; ``retry`` whose back-off has elapsed; ``pulled`` older than the
    processing delay. The row is locked with ``SELECT ... FOR UPDATE SKIP LOCKED``, gets a new pull
    key, ``status_time = now`` and one more attempt. A row that used all its attempts fails (with
    the failure notice) instead, and the next row is tried. The returned row has ``submission`` and
    ``submission.student_item`` loaded.

    Raises ``UnknownQueueError`` and, when ``grader`` is restricted by ``GRADER_QUEUES``,
    ``GraderAuthorizationError``.
    """
    registry = _registry_admitting(queue_name)
    _check_grader(queue_name, grader)
    alias = db_alias()
    if _rows.enabled(alias) and _rows.hand_out_is_plain():
        # PostgreSQL, the usual pull in one statement: candidates, lock and hand-out
        # (``_rows.hand_out_first``), which also tells an empty queue. When it hands out nothing but had
        # candidates, the rounds below look again (rows taken by concurrent pullers, rows at the cap).
        moment = now()
        connection = connections[alias]
        where, params = eligible_sql(moment, connection, qualified=False)
        union = (*_candidate_union(connection, queue_name, moment, inline=True), LOCK_WINDOW)
        queue_sql = _queue_literal(alias, queue_name)
        handed = _rows.hand_out_first(alias, where, params, union, queue_sql, app_settings.MAX_ATTEMPTS, moment)
        if handed.row is not None:
            _log_hand_out(handed.row, queue_name)
            return handed.row
        if not handed.candidates:  # nothing eligible: the idle poll ends here
            if registry is None and not handed.known:
                raise UnknownQueueError(queue_name)
            return None
    join = bool(lock_of_self()) or not features().has_select_for_update
    previous = None
    for _ in range(_MAX_ROUNDS):
        moment = now()
        candidates = _candidate_ids(queue_name, moment)
        if not candidates or sorted(candidates) == previous:
            break  # empty, or nothing changed since the last round (e.g. retry rows still backing off)
        previous = sorted(candidates)
        with transaction.atomic(using=db_alias()):
            row = _lock_first(candidates, moment, join)
            if row is None:
                continue  # every candidate was taken meanwhile: look again
            if at_attempt_cap(row):
                fail_row(row, f"no reply after {row.num_attempts} hand-outs")
                continue
            row.hand_out()
            save_fields(row, ("status", "pullkey", "num_attempts", "status_time"))
            ensure_related(row)
        _log_hand_out(row, queue_name)
        return row
    if registry is None and not is_known_queue(queue_name):
        raise UnknownQueueError(queue_name)
    return None


def queue_length(queue_name):
    """Number of rows of ``queue_name`` a grader could pull now. Raises ``UnknownQueueError``."""
    registry = _registry_admitting(queue_name)
    # ``eligible_q`` written by hand (compiling it cost more CPU than counting), with the question whether the
    # queue exists in the same statement when there is no registry.
    connection = connections[db_alias()]
    qn = connection.ops.quote_name
    table, queue_column = qn(ExternalGraderDetail._meta.db_table), qn("queue_name")
    where, params = eligible_sql(now(), connection)
    sql = f"SELECT (SELECT COUNT(*) FROM {table} WHERE {table}.{queue_column} = %s AND {where})"
    params = [queue_name, *params]
    if registry is None:
        sql += f", EXISTS (SELECT 1 FROM {table} WHERE {table}.{queue_column} = %s)"
        params.append(queue_name)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, *known = cursor.fetchone()
    if known and not known[0]:
        raise UnknownQueueError(queue_name)
    return count


def queue_stats(queue_name=None):
    """
    Per queue: ``{"states": {status: {"count", "oldest", "oldest_age"}}, "eligible": int}``, where
    ``oldest`` is the oldest ``status_time`` of that state and ``oldest_age`` its age in seconds.
    """
    moment = now()
    rows = ExternalGraderDetail.objects.order_by()
    if queue_name:
        rows = rows.filter(queue_name=queue_name)
    grouped = rows.values("queue_name", "status").annotate(count=Count("pk"), oldest=Min("status_time"))
    stats = {}
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
