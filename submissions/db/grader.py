"""
Every SQL statement of the grader hot path, on PostgreSQL (ADR 0017, ADR 0021).

The ORM compiled the same statements on every request, and compiling cost more CPU than the database
spent running them. Here each statement is built once per database from the models' metadata (table and
column names are never spelled out), and rows become model instances through
:class:`~submissions.db.rows.ModelColumns`, with the converters the ORM applies. Callers take one branch
into these functions, on :func:`enabled`; the ORM path beside each call stays the reference for what the
statement does (SQLite and MariaDB run it), and ``tests/db/sql/`` holds each statement as rendered.

* :func:`hand_out`: ``pull``'s usual case, candidates, lock and the ``hand_out`` transition, in one statement;
* :func:`lock_first_pullable`: the general path's lock of the oldest candidate;
* :func:`candidate_rows`: the oldest candidates per state;
* :func:`count_eligible`: ``queue_length`` (portable: every backend runs it);
* :func:`lock_for_reply`: ``put_result``'s lock of the grader row and the student item;
* :func:`upsert_summary`: the score summary in one statement;
* :func:`renew_outbox_claim`, :func:`mark_outbox_delivered`: an outbox row's bookkeeping (any backend).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models.signals import post_save, pre_save

from submissions.db.execution import defer, execute_prepared, relaxed_commit
from submissions.db.rows import ModelColumns, id_sequence, read_converter
from submissions.external_grader.eligibility import index_scans, terms
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery, SubmissionFile
from submissions.external_grader.states import TABLE, Effect
from submissions.models import Score, ScoreSummary, StudentItem, Submission

if TYPE_CHECKING:
    import datetime
    from collections.abc import Sequence

__all__ = [
    "enabled",
    "HandOut",
    "Locked",
    "LockedReply",
    "hand_out",
    "hand_out_is_plain",
    "lock_first_pullable",
    "candidate_rows",
    "count_eligible",
    "lock_for_reply",
    "upsert_summary",
    "renew_outbox_claim",
    "mark_outbox_delivered",
]

#: Oldest rows read per state when looking for the next row to hand out.
CANDIDATES_PER_STATE = 24


def enabled(alias: str) -> bool:
    """Whether the hand-written statements serve the database ``alias`` (PostgreSQL)."""
    return connections[alias].vendor == "postgresql"


class _GraderRowSelect:
    """``SELECT`` of a grader row joined with its submission and student item, for one connection."""

    def __init__(self, connection):
        qn = connection.ops.quote_name
        models = (ExternalGraderDetail, Submission, StudentItem)
        self.parts = [ModelColumns(model, connection) for model in models]
        grader, submission, item = (qn(model._meta.db_table) for model in models)
        self.grader_table = grader
        self.item_table = item
        grader_field = {
            name: qn(ExternalGraderDetail._meta.get_field(name).column)
            for name in ("submission", "created_at", "status", "pullkey", "num_attempts", "status_time", "queue_name")
        }
        grader_field["id"] = qn(ExternalGraderDetail._meta.pk.column)
        #: Unqualified grader columns (``hand_out_first`` qualifies them itself).
        self.bare_column = grader_field
        self.grader_pk, self.grader_submission, self.grader_created = (
            f"{grader}.{grader_field[name]}" for name in ("id", "submission", "created_at")
        )
        submission_pk, item_pk = qn(Submission._meta.pk.column), qn(StudentItem._meta.pk.column)
        submission_item = qn(Submission._meta.get_field("student_item").column)
        files = qn(SubmissionFile._meta.db_table)
        files_fk = qn(SubmissionFile._meta.get_field("external_grader").column)

        def joined(source, submission_name, item_name):
            """
            Columns, FROM clause and files flag of the grader rows of ``source`` (a table or a CTE), the
            submission and student item tables named ``submission_name`` and ``item_name`` (themselves
            or short aliases).
            """
            names = (source, submission_name, item_name)
            columns = ", ".join(part.qualified(name) for part, name in zip(self.parts, names, strict=True))
            submission_table = submission if submission_name == submission else f"{submission} AS {submission_name}"
            item_table = item if item_name == item else f"{item} AS {item_name}"
            joins = (
                f"{source} INNER JOIN {submission_table}"
                f" ON {submission_name}.{submission_pk} = {source}.{grader_field['submission']}"
                f" INNER JOIN {item_table} ON {item_name}.{item_pk} = {submission_name}.{submission_item}"
            )
            has_files = f"EXISTS (SELECT 1 FROM {files} AS f WHERE f.{files_fk} = {source}.{grader_field['id']})"
            return columns, joins, has_files

        self.columns, self.joins, self.has_files = joined(grader, submission, item)
        # The rows of ``hand_out_first``'s ``handed`` CTE (the grader columns it RETURNs), joined alike
        # under short aliases: psycopg parses a statement longer than 4 kB anew on every call.
        self.handed_columns, self.handed_joins, self.handed_has_files = joined("handed", "s", "i")

    def build(self, row, connection):
        instances, start = [], 0
        for part in self.parts:
            end = start + len(part)
            instances.append(part.build(row[start:end], connection))
            start = end
        detail, submission, item = instances
        submission.student_item = item
        detail.submission = submission
        return detail, row[start:]


@functools.cache
def _select(alias):
    return _GraderRowSelect(connections[alias])


# -- eligibility and candidates --

_LOOKUPS = {"lte": "<=", "exact": "=", "gte": ">="}


def eligible_where(connection, moment, qualifier=None, terms_of=None):
    """
    ``(sql, params)``: :func:`~submissions.external_grader.eligibility.terms` at ``moment`` (or ``terms_of``, some of
    them) as a condition on the grader table's columns (qualified by ``qualifier``, a quoted name, when given).
    """
    qn = connection.ops.quote_name
    prefix = f"{qualifier}." if qualifier else ""
    status, failures, time_col = (f"{prefix}{qn(name)}" for name in ("status", "num_failures", "status_time"))
    alternatives, params = [], []
    for term in terms(moment) if terms_of is None else terms_of:
        parts = [f"{status} = %s"]
        params.append(str(term.status))
        if term.failures is not None:
            lookup, value = term.failures
            parts.append(f"{failures} {_LOOKUPS[lookup]} %s")
            params.append(value)
        if term.cut is not None:
            parts.append(f"{time_col} <= %s")
            params.append(term.cut)
        alternatives.append(f"({' AND '.join(parts)})")
    return f"({' OR '.join(alternatives)})", params


def _literal(connection, value):
    """``value`` as an SQL literal in a statement text (its ``%`` doubled: it is no placeholder)."""
    return connection.ops.compose_sql("%s", [value]).replace("%", "%%")


@functools.lru_cache(maxsize=128)
def _queue_literal(alias, queue_name):
    return _literal(connections[alias], queue_name)


def _candidate_union(alias, queue_name, moment, inline=False):
    """
    ``(sql, params)`` of the oldest rows per eligible state, ``(id, created_at)``, in one ``UNION ALL`` of one
    index scan per state (``eligibility.index_scans``), as the ORM builds it from sliced querysets.

    ``inline``: the queue name and the states are literals in the text, not parameters, so that a statement
    prepared on the server is planned knowing them (ADR 0019): with them as parameters, the generic plan
    read the retry and pulled states through the ``status_time`` index, a scan of the whole queue (225 ms
    with 10^6 rows queued), where the ``(queue_name, status, status_time)`` index finds them at once.
    """
    scans = index_scans(moment)
    shape = tuple((str(status), cut is not None) for status, cut in scans)
    if inline:
        return _union_text(alias, queue_name, shape), [cut for _status, cut in scans if cut is not None]
    params = []
    for status, cut in scans:
        params += [queue_name, str(status), *([cut] if cut is not None else [])]
    return _union_text(alias, None, shape), params


@functools.lru_cache(maxsize=128)
def _union_text(alias, queue_name, shape):
    """
    :func:`_candidate_union`'s text for ``shape``, ``((status, has a time cut), ...)``; ``queue_name`` and the
    states as literals (or, None, placeholders).
    """
    connection = connections[alias]
    qn = connection.ops.quote_name
    table = qn(ExternalGraderDetail._meta.db_table)

    def value(raw):
        return "%s" if queue_name is None else _literal(connection, raw)

    queue, parts = value(queue_name), []
    for status, cut in shape:
        condition = f" AND {qn('status_time')} <= %s" if cut else ""
        parts.append(
            f"(SELECT {qn('id')}, {qn('created_at')} FROM {table} WHERE {qn('queue_name')} = {queue}"
            f" AND {qn('status')} = {value(status)}{condition} ORDER BY {qn('status_time')} ASC"
            f" LIMIT {int(CANDIDATES_PER_STATE)})"
        )
    return " UNION ALL ".join(parts)


def candidate_rows(alias: str, queue_name: str, moment: datetime.datetime) -> list[tuple[int, datetime.datetime]]:
    """``[(pk, created_at)]`` of the oldest eligible candidates per state (:func:`_candidate_union`)."""
    connection = connections[alias]
    sql, params = _candidate_union(alias, queue_name, moment)
    convert = read_converter(ExternalGraderDetail, "created_at", connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(pk, convert(created)) for pk, created in rows]


def count_eligible(
    alias: str, queue_name: str, moment: datetime.datetime, *, known: bool = False
) -> tuple[int, bool | None]:
    """
    ``(count, exists)``: rows of ``queue_name`` a grader could pull at ``moment``, and (``known``) whether the
    queue has any row at all (else None), in one statement.
    """
    connection = connections[alias]
    qn = connection.ops.quote_name
    table, queue_column = qn(ExternalGraderDetail._meta.db_table), qn("queue_name")
    where, params = eligible_where(connection, moment, table)
    sql = f"SELECT (SELECT COUNT(*) FROM {table} WHERE {table}.{queue_column} = %s AND {where})"
    params = [queue_name, *params]
    if known:
        sql += f", EXISTS (SELECT 1 FROM {table} WHERE {table}.{queue_column} = %s)"
        params.append(queue_name)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, *exists = cursor.fetchone()
    return count, (bool(exists[0]) if known else None)


# -- the hand-out --


@dataclasses.dataclass(frozen=True)
class Locked:
    """A grader row locked by a statement here, its submission and student item loaded."""

    row: ExternalGraderDetail
    #: Whether the row has a :class:`SubmissionFile` (read in the same statement).
    has_files: bool


def lock_first_pullable(alias: str, moment: datetime.datetime, ids: Sequence[int]) -> Locked | None:
    """
    The oldest of the grader rows ``ids`` still eligible at ``moment``, locked ``FOR UPDATE OF`` the grader
    row ``SKIP LOCKED``, with its submission and student item, as :class:`Locked`; None when no candidate
    can be locked.
    """
    select = _select(alias)
    where, params = eligible_where(connections[alias], moment, select.grader_table)
    sql = (
        f"SELECT {select.columns}, {select.has_files} FROM {select.joins}"
        f" WHERE {select.grader_pk} = ANY(%s) AND {where}"
        f" ORDER BY {select.grader_created} ASC, {select.grader_pk} ASC"
        f" LIMIT 1 FOR UPDATE OF {select.grader_table} SKIP LOCKED"
    )
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids), *params])
        row = cursor.fetchone()
    if row is None:
        return None
    detail, (has_files,) = select.build(row, connection)
    return Locked(detail, bool(has_files))


@dataclasses.dataclass(frozen=True)
class HandOut:
    """What :func:`hand_out` did: the row it handed out, else whether the queue had candidates at all."""

    handed: Locked | None
    #: Only meaningful when nothing was handed out: some candidate exists (taken by a concurrent puller,
    #: backing off, or at the attempt cap), so a closer look may still find or fail one.
    candidates: bool
    #: Only meaningful when nothing was handed out: the queue has a grader row in any state.
    known: bool


def _set_clause(connection, name, column, moment, key):
    """
    ``(sql, params)``: the ``SET`` of transition ``name`` on the rows aliased ``g``, from ``states.TABLE``
    (the same table the model's transition methods apply).
    """
    qn = connection.ops.quote_name
    move = TABLE[name]
    assignments, params = [f"{qn('status')} = %s"], [str(move.target)]
    for field, effect in move.writes.items():
        col = column(field)
        if effect is Effect.NOW:
            assignments.append(f"{col} = %s")
            params.append(moment)
        elif effect is Effect.NEW_KEY:
            assignments.append(f"{col} = %s")
            params.append(key)
        elif effect is Effect.INCREMENT:
            assignments.append(f"{col} = COALESCE(g.{col}, 0) + 1")
        elif effect is Effect.ARGUMENT:
            raise ValueError(f"transition {name} takes arguments: not written by hand")
        else:
            assignments.append(f"{col} = %s")
            params.append(effect)
    return ", ".join(assignments), params


def hand_out(alias: str, queue_name: str, moment: datetime.datetime, cap: int) -> HandOut:
    """
    ``pull``'s usual case in one statement: lock the oldest eligible candidate of ``queue_name`` (among the
    oldest ``LOCK_WINDOW`` of :func:`_candidate_union`, by ``(created_at, id)``), as
    :func:`lock_first_pullable` does, and apply the ``hand_out`` transition to it (its ``SET`` built from
    ``states.TABLE``), returning it in a :class:`HandOut`. Nothing is handed out when no candidate can be
    locked or the oldest has used its ``cap`` hand-outs (0: no cap): ``pull`` then takes its general path,
    which fails such a row with its notice.

    The statement always answers one row: when nothing was handed out, it also tells whether the queue had
    any candidate and any row, so that the poll of an idle grader, the most frequent request a grader host
    serves, costs this one statement.

    Only for callers that checked :func:`hand_out_is_plain` (no receiver would miss the save or the
    transition).
    """
    connection = connections[alias]
    select = _select(alias)
    union_sql, union_params = _candidate_union(alias, queue_name, moment, inline=True)
    where, where_params = eligible_where(connection, moment)
    column = select.bare_column
    set_sql, set_params = _set_clause(connection, "hand_out", lambda field: column[field], moment, _new_key())
    cap_check = f" AND COALESCE(g.{column['num_attempts']}, 0) < %s" if cap else ""
    queue_sql = _queue_literal(alias, queue_name)
    any_candidate = f"SELECT 1 FROM ({union_sql}) AS e"
    any_row = f"SELECT 1 FROM {select.grader_table} AS q WHERE q.{column['queue_name']} = {queue_sql}"
    # Each CASE runs its subquery only when nothing was handed out.
    any_candidate, any_row = (
        f"CASE WHEN handed.{column['id']} IS NULL THEN EXISTS ({query}) END" for query in (any_candidate, any_row)
    )
    sql = (
        f"WITH picked AS (SELECT {column['id']} AS id FROM {select.grader_table}"
        f" WHERE {column['id']} IN (SELECT c.id FROM ({union_sql}) AS c"
        f" ORDER BY c.created_at ASC, c.id ASC LIMIT {int(LOCK_WINDOW)}) AND {where}"
        f" ORDER BY {column['created_at']} ASC, {column['id']} ASC LIMIT 1 FOR UPDATE SKIP LOCKED),"
        f" handed AS (UPDATE {select.grader_table} AS g SET {set_sql}"
        f" FROM picked WHERE g.{column['id']} = picked.id{cap_check}"
        f" RETURNING {select.parts[0].qualified('g')})"
        f" SELECT {select.handed_columns}, {select.handed_has_files}, {any_candidate}, {any_row}"
        f" FROM (VALUES (1)) AS one LEFT JOIN ({select.handed_joins}) ON TRUE"
    )
    params = [*union_params, *where_params, *set_params, *([cap] if cap else []), *union_params]
    with connection.cursor() as cursor:
        # Prepared on the server; the commit is relaxed: a claim lost with the database server is a lease
        # that never started, the row is pulled again.
        execute_prepared(cursor, alias, sql, params, relaxed=True)
        found = cursor.fetchone()
    if found[0] is None:
        return HandOut(None, bool(found[-2]), bool(found[-1]))
    detail, (has_files, _, _) = select.build(found, connection)
    return HandOut(Locked(detail, bool(has_files)), True, True)


#: Oldest candidates offered to one locking statement: bounds the rows a locking scan touches while leaving
#: room for concurrent pullers.
LOCK_WINDOW = 12


def _new_key():
    return ExternalGraderDetail.new_pull_key()


def hand_out_is_plain() -> bool:
    """Whether no ``pre_save``/``post_save`` or django-fsm transition receiver listens for grader rows."""
    from django_fsm.signals import post_transition, pre_transition

    signals = (pre_save, post_save, pre_transition, post_transition)
    return not any(signal.has_listeners(ExternalGraderDetail) for signal in signals)


# -- the reply --


@dataclasses.dataclass(frozen=True)
class LockedReply:
    """What :func:`lock_for_reply` locked: the grader row (submission and student item loaded)."""

    row: ExternalGraderDetail
    #: The student item is locked too, in this transaction (``services.scores.write_score`` skips its lock).
    item_locked: bool = False
    #: An id taken from the Score sequence for the score the reply may write, or None.
    score_id: int | None = None


def lock_for_reply(alias: str, submission_id: int) -> LockedReply | None:
    """
    The grader row of ``submission_id`` locked ``FOR UPDATE NOWAIT`` (a held lock raises at once), with its
    submission and student item loaded, and the student item locked ``FOR NO KEY UPDATE`` in the same
    statement (waiting for it: that lock serialises score writers, see ``services.summary``), as a
    :class:`LockedReply`; with an id taken from the Score sequence by the same statement (its ``INSERT`` then
    travels with the next statement; an id left unused is a gap in the sequence, as a rollback leaves).
    None when the submission has no grader row.
    """
    select = _select(alias)
    sequence = id_sequence(alias, Score)
    score_id = ", nextval(%s)" if sequence else ""
    sql = (
        f"SELECT {select.columns}{score_id} FROM {select.joins} WHERE {select.grader_submission} = %s"
        f" FOR UPDATE OF {select.grader_table} NOWAIT FOR NO KEY UPDATE OF {select.item_table}"
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [sequence, submission_id] if sequence else [submission_id])
        row = cursor.fetchone()
    if row is None:
        return None
    detail, rest = select.build(row, connections[alias])
    return LockedReply(detail, item_locked=True, score_id=rest[0] if sequence else None)


# -- the score summary --


def upsert_summary(using, score):
    """
    ``services.summary.record_in_summary`` in one statement (the student item locked by the caller):
    ``INSERT ... ON CONFLICT (student_item_id) DO UPDATE``, with ``ScoreSummary.replaces_highest`` written as
    SQL: a reset always replaces the highest, a hidden (0 possible) score never does, otherwise the new ratio
    must beat the current highest's (compared as floats, as ``to_float``), or the current highest be hidden.
    Sent with the next statement inside ``batched_writes`` (nobody reads its result).
    """
    sql = _summary_sql(using, "reset" if score.reset else "hidden" if score.points_possible == 0 else "ratio")
    params = [score.student_item_id, score.pk, score.pk]
    if not score.reset and score.points_possible != 0:
        params.append(score.to_float())
    defer(using, sql, params)


@functools.cache
def _summary_sql(alias, case):
    qn = connections[alias].ops.quote_name
    summary_meta, score_meta = ScoreSummary._meta, Score._meta
    summary = qn(summary_meta.db_table)
    item, highest, latest = (qn(summary_meta.get_field(name).column) for name in ("student_item", "highest", "latest"))
    earned, possible = (qn(score_meta.get_field(name).column) for name in ("points_earned", "points_possible"))
    if case == "reset":
        new_highest = f"EXCLUDED.{highest}"
    elif case == "hidden":
        new_highest = f"{summary}.{highest}"
    else:
        new_highest = (
            f"CASE WHEN (SELECT h.{possible} = 0 OR %s > CAST(h.{earned} AS double precision) / h.{possible}"
            f" FROM {qn(score_meta.db_table)} h WHERE h.{qn(score_meta.pk.column)} = {summary}.{highest})"
            f" THEN EXCLUDED.{highest} ELSE {summary}.{highest} END"
        )
    return (
        f"INSERT INTO {summary} ({item}, {highest}, {latest}) VALUES (%s, %s, %s)"
        f" ON CONFLICT ({item}) DO UPDATE SET {latest} = EXCLUDED.{latest}, {highest} = {new_highest}"
    )


# -- the outbox (any backend) --


@functools.cache
def _outbox_sql(alias):
    qn = connections[alias].ops.quote_name
    meta = ScoreEventDelivery._meta
    table = qn(meta.db_table)
    pk, attempts, next_at, delivered, payload, error = (
        qn(meta.get_field(name).column)
        for name in ("id", "attempts", "next_attempt_at", "delivered_at", "payload", "last_error")
    )
    return {
        "renew_claim": (
            f"UPDATE {table} SET {next_at} = %s"
            f" WHERE {pk} = %s AND {delivered} IS NULL AND {attempts} = 1 AND {next_at} = %s"
        ),
        "delivered": f"UPDATE {table} SET {payload} = %s, {delivered} = %s, {error} = '' WHERE {pk} = %s",
    }


def _outbox_write(alias, name, params):
    connection = connections[alias]
    with connection.cursor() as cursor:
        # Losing this bookkeeping with the database server only sends the event again (ADR 0018).
        cursor.execute(relaxed_commit(alias, _outbox_sql(alias)[name]), params)
        return cursor.rowcount


def renew_outbox_claim(alias, delivery_id, claimed_until, renewed):
    """Move a fresh outbox row's first claim from ``claimed_until`` to ``renewed`` if nobody took it; its row count."""
    adapt = connections[alias].ops.adapt_datetimefield_value
    return _outbox_write(alias, "renew_claim", [adapt(renewed), delivery_id, adapt(claimed_until)])


def mark_outbox_delivered(alias, delivery_id, payload, moment):
    """Record an outbox row delivered at ``moment`` with its final ``payload``; its row count."""
    adapt = connections[alias].ops.adapt_datetimefield_value
    return _outbox_write(alias, "delivered", [payload, adapt(moment), delivery_id])
