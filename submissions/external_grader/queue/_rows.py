"""
Hand-written statements of the grader interface's hot paths on PostgreSQL (ADR 0017).

The ORM compiled the same statements on every request, and compiling cost more CPU than the
database spent running them. Here each statement is built once per database from the models'
metadata (table and column names are never spelled out), and rows become model instances through
:class:`~submissions.services.rows.ModelColumns`, with the converters the ORM applies. Other
backends keep the ORM path, which stays the reference for what these statements do.
"""

import functools

from django.db import connections

from submissions.external_grader.models import ExternalGraderDetail, SubmissionFile
from submissions.external_grader.states import TRANSITIONS
from submissions.models import StudentItem, Submission
from submissions.services.rows import ModelColumns

__all__ = ["enabled", "lock_first_pullable", "hand_out_first", "hand_out_is_plain", "lock_for_reply"]


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
        self.submission_table = submission
        self.item_table = item
        self.columns = ", ".join(part.sql for part in self.parts)
        self.grader_pk = f"{grader}.{qn(ExternalGraderDetail._meta.pk.column)}"
        self.grader_submission = f"{grader}.{qn(ExternalGraderDetail._meta.get_field('submission').column)}"
        self.grader_created = f"{grader}.{qn(ExternalGraderDetail._meta.get_field('created_at').column)}"
        submission_pk = f"{submission}.{qn(Submission._meta.pk.column)}"
        submission_item = f"{submission}.{qn(Submission._meta.get_field('student_item').column)}"
        self.joins = (
            f"{grader} INNER JOIN {submission} ON {submission_pk} = {self.grader_submission}"
            f" INNER JOIN {item} ON {item}.{qn(StudentItem._meta.pk.column)} = {submission_item}"
        )
        # The same joins from the ``handed`` rows of ``hand_out_first`` (a CTE with the grader columns).
        handed_submission = f"handed.{qn(ExternalGraderDetail._meta.get_field('submission').column)}"
        self.handed_columns = ", ".join([self.parts[0].qualified("handed"), self.parts[1].sql, self.parts[2].sql])
        self.handed_joins = (
            f"handed INNER JOIN {submission} ON {submission_pk} = {handed_submission}"
            f" INNER JOIN {item} ON {item}.{qn(StudentItem._meta.pk.column)} = {submission_item}"
        )
        self.handed_has_files = (
            f"EXISTS (SELECT 1 FROM {qn(SubmissionFile._meta.db_table)}"
            f" WHERE {qn(SubmissionFile._meta.db_table)}.{qn(SubmissionFile._meta.get_field('external_grader').column)}"
            f" = handed.{qn(ExternalGraderDetail._meta.pk.column)})"
        )
        self.column = {
            name: f"{grader}.{qn(ExternalGraderDetail._meta.get_field(name).column)}"
            for name in ("status", "pullkey", "num_attempts", "status_time")
        }
        self.bare_column = {name: qn(ExternalGraderDetail._meta.get_field(name).column) for name in self.column}
        files = qn(SubmissionFile._meta.db_table)
        files_fk = qn(SubmissionFile._meta.get_field("external_grader").column)
        self.has_files = f"EXISTS (SELECT 1 FROM {files} WHERE {files}.{files_fk} = {self.grader_pk})"

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


def lock_first_pullable(alias, eligible_where, eligible_params, ids=None, union=None):
    """
    The oldest candidate still matching ``eligible_where``, locked ``FOR UPDATE OF`` the grader row
    ``SKIP LOCKED``, with its submission and student item loaded and ``files_absent`` set when the row has
    no :class:`SubmissionFile`; None when no candidate can be locked. The candidates are grader row
    ``ids``, or ``union = (sql, params, limit)``: the oldest ``limit`` rows, by ``(created_at, id)``, of a
    statement selecting ``(id, created_at)``.
    """
    select = _select(alias)
    if union is not None:
        chosen, params = _chosen_from(select, union)
    else:
        chosen, params = f"{select.grader_pk} = ANY(%s)", [list(ids)]
    sql = (
        f"SELECT {select.columns}, {select.has_files} FROM {select.joins}"
        f" WHERE {chosen} AND {eligible_where}"
        f" ORDER BY {select.grader_created} ASC, {select.grader_pk} ASC"
        f" LIMIT 1 FOR UPDATE OF {select.grader_table} SKIP LOCKED"
    )
    return _fetch_row(alias, select, sql, [*params, *eligible_params])


def _chosen_from(select, union):
    """``(sql, params)``: the grader row is among the oldest ``limit`` rows of ``union = (sql, params, limit)``."""
    union_sql, union_params, limit = union
    chosen = (
        f"{select.grader_pk} IN (SELECT c.id FROM ({union_sql}) AS c"
        f" ORDER BY c.created_at ASC, c.id ASC LIMIT {int(limit)})"
    )
    return chosen, list(union_params)


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


def hand_out_first(alias, eligible_where, eligible_params, union, attempt_cap, moment):
    """
    ``pull``'s usual case in one statement: lock the oldest candidate of ``union`` (as in
    :func:`lock_first_pullable`) and give it to a grader as the ``hand_out`` transition does (status
    ``pulled``, a new pull key, one more attempt, ``status_time = moment``), returning it loaded like
    :func:`lock_first_pullable`. Nothing is handed out, and None returned, when no candidate can be
    locked or the oldest has used its ``attempt_cap`` hand-outs (0: no cap): ``pull`` then takes its
    general path, which fails such a row with its notice.

    Only for callers that checked :func:`hand_out_is_plain` (no receiver would miss the save or the
    transition).
    """
    select = _select(alias)
    chosen, union_params = _chosen_from(select, union)
    sources, target = TRANSITIONS["hand_out"]
    columns = select.bare_column
    cap_check = f" AND COALESCE({select.column['num_attempts']}, 0) < %s" if attempt_cap else ""
    sql = (
        f"WITH picked AS (SELECT {select.grader_pk} AS id FROM {select.grader_table}"
        f" WHERE {chosen}"
        f" AND {eligible_where} AND {select.column['status']} IN ({', '.join(['%s'] * len(sources))})"
        f" ORDER BY {select.grader_created} ASC, {select.grader_pk} ASC LIMIT 1 FOR UPDATE SKIP LOCKED),"
        f" handed AS (UPDATE {select.grader_table} SET {columns['status']} = %s, {columns['pullkey']} = %s,"
        f" {columns['num_attempts']} = COALESCE({select.column['num_attempts']}, 0) + 1,"
        f" {columns['status_time']} = %s"
        f" FROM picked WHERE {select.grader_pk} = picked.id{cap_check}"
        f" RETURNING {select.parts[0].sql})"
        f" SELECT {select.handed_columns}, {select.handed_has_files} FROM {select.handed_joins}"
    )
    params = [*union_params, *eligible_params, *sources, target, ExternalGraderDetail.new_pull_key(), moment]
    if attempt_cap:
        params.append(attempt_cap)
    return _fetch_row(alias, select, sql, params)


def hand_out_is_plain():
    """Whether no ``pre_save``/``post_save`` or django-fsm transition receiver listens for grader rows."""
    from django.db.models.signals import post_save, pre_save
    from django_fsm.signals import post_transition, pre_transition

    signals = (pre_save, post_save, pre_transition, post_transition)
    return not any(signal.has_listeners(ExternalGraderDetail) for signal in signals)


def lock_for_reply(alias, submission_id):
    """
    The grader row of ``submission_id`` locked ``FOR UPDATE NOWAIT`` (a held lock raises at once), with
    its submission and student item loaded, and the student item locked ``FOR NO KEY UPDATE`` in the
    same statement (waiting for it: that lock serialises score writers, see ``services.summary``).
    ``student_item_locked`` is set on the returned row. None when the submission has no grader row.
    """
    select = _select(alias)
    sql = (
        f"SELECT {select.columns} FROM {select.joins} WHERE {select.grader_submission} = %s"
        f" FOR UPDATE OF {select.grader_table} NOWAIT FOR NO KEY UPDATE OF {select.item_table}"
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [submission_id])
        row = cursor.fetchone()
    if row is None:
        return None
    detail, _rest = select.build(row, connections[alias])
    detail.student_item_locked = True
    return detail
