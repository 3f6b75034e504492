"""
Hand-written statements of the grader interface's hot paths on PostgreSQL (ADR 0017).

The ORM compiled the same statements on every request, and compiling cost more CPU than the
database spent running them. Here each statement is built once per database from the models'
metadata (table and column names are never spelled out), and rows become model instances through
:class:`~submissions.services.rows.ModelColumns`, with the converters the ORM applies. Other
backends keep the ORM path, which stays the reference for what these statements do.
"""

import functools
import typing

from django.db import connections

from submissions.external_grader.models import ExternalGraderDetail, SubmissionFile
from submissions.external_grader.states import TRANSITIONS
from submissions.models import Score, StudentItem, Submission
from submissions.services.rows import ModelColumns, execute_prepared, has_save_receivers, id_sequence

__all__ = ["enabled", "lock_first_pullable", "HandOut", "hand_out_first", "hand_out_is_plain", "lock_for_reply"]


def enabled(alias):
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


def lock_first_pullable(alias, eligible_where, eligible_params, ids):
    """
    The oldest of the grader rows ``ids`` still matching ``eligible_where``, locked ``FOR UPDATE OF`` the
    grader row ``SKIP LOCKED``, with its submission and student item loaded and ``files_absent`` set when
    the row has no :class:`SubmissionFile`; None when no candidate can be locked.
    """
    select = _select(alias)
    sql = (
        f"SELECT {select.columns}, {select.has_files} FROM {select.joins}"
        f" WHERE {select.grader_pk} = ANY(%s) AND {eligible_where}"
        f" ORDER BY {select.grader_created} ASC, {select.grader_pk} ASC"
        f" LIMIT 1 FOR UPDATE OF {select.grader_table} SKIP LOCKED"
    )
    return _fetch_row(alias, select, sql, [list(ids), *eligible_params])


def _fetch_row(alias, select, sql, params):
    """Run a statement selecting a grader row, its submission and student item, and a files flag."""
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    detail, (has_files,) = select.build(row, connections[alias])
    detail.files_absent = not has_files
    return detail


class HandOut(typing.NamedTuple):
    """What :func:`hand_out_first` did: the row it handed out, else whether the queue had candidates at all."""

    row: ExternalGraderDetail | None
    #: Only meaningful when ``row`` is None: some candidate exists (taken by a concurrent puller, backing
    #: off, or at the attempt cap), so a closer look may still find or fail one.
    candidates: bool
    #: Only meaningful when ``row`` is None: the queue has a grader row in any state.
    known: bool


def hand_out_first(alias, eligible_where, eligible_params, union, queue_sql, attempt_cap, moment):
    """
    ``pull``'s usual case in one statement: lock the oldest candidate (the oldest ``limit`` rows, by
    ``(created_at, id)``, of ``union = (sql, params, limit)``, a statement selecting ``(id, created_at)``),
    as :func:`lock_first_pullable` does, and give it to a grader as the ``hand_out`` transition does (status
    ``pulled``, a new pull key, one more attempt, ``status_time = moment``), returning it loaded like
    :func:`lock_first_pullable` in a :class:`HandOut`. Nothing is handed out when no candidate can be
    locked or the oldest has used its ``attempt_cap`` hand-outs (0: no cap): ``pull`` then takes its
    general path, which fails such a row with its notice. ``eligible_where`` names the grader table's
    columns unqualified; ``queue_sql`` is the queue name as a literal.

    The statement always answers one row: when nothing was handed out, it also tells whether ``union``
    had any candidate and whether the queue has any row, so that the poll of an idle grader, the most
    frequent request a grader host serves, costs this one statement.

    Only for callers that checked :func:`hand_out_is_plain` (no receiver would miss the save or the
    transition).
    """
    select = _select(alias)
    union_sql, union_params, limit = union
    sources, target = TRANSITIONS["hand_out"]
    column = select.bare_column  # ``picked`` reads one table: its columns need no qualifier, ``g`` is the UPDATE's
    cap_check = f" AND COALESCE(g.{column['num_attempts']}, 0) < %s" if attempt_cap else ""
    any_candidate = f"SELECT 1 FROM ({union_sql}) AS e"
    any_row = f"SELECT 1 FROM {select.grader_table} AS q WHERE q.{column['queue_name']} = {queue_sql}"
    # Each CASE runs its subquery only when nothing was handed out.
    any_candidate, any_row = (
        f"CASE WHEN handed.{column['id']} IS NULL THEN EXISTS ({query}) END" for query in (any_candidate, any_row)
    )
    sql = (
        f"WITH picked AS (SELECT {column['id']} AS id FROM {select.grader_table}"
        f" WHERE {column['id']} IN (SELECT c.id FROM ({union_sql}) AS c"
        f" ORDER BY c.created_at ASC, c.id ASC LIMIT {int(limit)})"
        f" AND {eligible_where} AND {column['status']} IN ({', '.join(['%s'] * len(sources))})"
        f" ORDER BY {column['created_at']} ASC, {column['id']} ASC LIMIT 1 FOR UPDATE SKIP LOCKED),"
        f" handed AS (UPDATE {select.grader_table} AS g SET {column['status']} = %s, {column['pullkey']} = %s,"
        f" {column['num_attempts']} = COALESCE(g.{column['num_attempts']}, 0) + 1, {column['status_time']} = %s"
        f" FROM picked WHERE g.{column['id']} = picked.id{cap_check}"
        f" RETURNING {select.parts[0].qualified('g')})"
        f" SELECT {select.handed_columns}, {select.handed_has_files}, {any_candidate}, {any_row}"
        f" FROM (VALUES (1)) AS one LEFT JOIN ({select.handed_joins}) ON TRUE"
    )
    params = [*union_params, *eligible_params, *sources, target, ExternalGraderDetail.new_pull_key(), moment]
    if attempt_cap:
        params.append(attempt_cap)
    params += union_params
    connection = connections[alias]
    with connection.cursor() as cursor:
        # Prepared on the server; the commit is relaxed: a claim lost with the database server is a lease
        # that never started, the row is pulled again.
        execute_prepared(cursor, alias, sql, params, relaxed=True)
        found = cursor.fetchone()
    if found[0] is None:
        return HandOut(None, bool(found[-2]), bool(found[-1]))
    detail, (has_files, _, _) = select.build(found, connection)
    detail.files_absent = not has_files
    return HandOut(detail, True, True)


def hand_out_is_plain():
    """Whether no ``pre_save``/``post_save`` or django-fsm transition receiver listens for grader rows."""
    from django_fsm.signals import post_transition, pre_transition

    transitions = (pre_transition, post_transition)
    return not has_save_receivers(ExternalGraderDetail) and not any(
        signal.has_listeners(ExternalGraderDetail) for signal in transitions
    )


def lock_for_reply(alias, submission_id):
    """
    The grader row of ``submission_id`` locked ``FOR UPDATE NOWAIT`` (a held lock raises at once), with
    its submission and student item loaded, and the student item locked ``FOR NO KEY UPDATE`` in the
    same statement (waiting for it: that lock serialises score writers, see ``services.summary``).
    ``student_item_locked`` is set on the returned row, and ``score_id``: an id taken from the Score
    sequence by the same statement, for the score the reply may write (its ``INSERT`` then travels with
    the next statement; an id left unused is a gap in the sequence, as a rollback leaves). None when the
    submission has no grader row.
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
    detail.student_item_locked = True
    detail.score_id = rest[0] if sequence else None
    return detail
