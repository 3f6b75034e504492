"""
The depth of every grader queue in one statement, for the metrics collector (``submissions.metrics``).

Grouping the whole grader table by queue and state would read every row ever graded: with 2·10⁶ retired
rows that was a 290 ms sequential scan on PostgreSQL, on every scrape. Here the distinct queue names are
found by a recursive walk of the ``(queue_name, status, status_time)`` index (one probe per queue, as a
skip scan would), and each figure of a queue is a subquery on one ``(queue_name, status)`` range of that
index, planned for one queue whatever the planner guesses about the others: the cost grows with the rows
waiting, not with the rows graded. The statement is portable (PostgreSQL, MariaDB and SQLite run it), so it
has no ORM twin; ``tests/db/sql/queue_depth.sql`` shows it as PostgreSQL receives it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connections

from submissions.db.grader import eligible_where
from submissions.db.rows import read_converter
from submissions.external_grader.eligibility import terms
from submissions.external_grader.models import ExternalGraderDetail

if TYPE_CHECKING:
    import datetime
    from collections.abc import Iterable

    from submissions.external_grader.eligibility import Term

__all__ = ["queue_depth"]


def queue_depth(
    alias: str, moment: datetime.datetime, states: Iterable[str]
) -> list[tuple[str, str, int, int, datetime.datetime | None]]:
    """
    ``[(queue name, state, rows, eligible rows, status_time of the oldest eligible row or None)]`` at ``moment``,
    for every queue that has a grader row and every state of ``states``.
    """
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = ExternalGraderDetail._meta
    table = qn(meta.db_table)
    queue, status, status_time = (qn(meta.get_field(name).column) for name in ("queue_name", "status", "status_time"))
    in_range = f"FROM {table} g WHERE g.{queue} = queues.name AND g.{status} = %s"
    columns, params, shape = [], [], []
    by_state: dict[str, list[Term]] = {}
    for term in terms(moment):
        by_state.setdefault(term.status, []).append(term)
    for state in states:
        state_terms = by_state.get(state, [])
        columns.append(f"(SELECT COUNT(*) {in_range})")
        params.append(str(state))
        if any(term.failures is None and term.cut is None for term in state_terms):
            # Every row of the state is eligible: the count above, and the oldest row of the range.
            columns.append(f"(SELECT MIN(g.{status_time}) {in_range})")
            params.append(str(state))
            shape.append((state, "all"))
        elif state_terms:
            condition, condition_params = eligible_where(connection, moment, "g", terms_of=state_terms)
            columns.append(f"(SELECT COUNT(*) {in_range} AND {condition})")
            columns.append(f"(SELECT MIN(g.{status_time}) {in_range} AND {condition})")
            params += [str(state), *condition_params, str(state), *condition_params]
            shape.append((state, "some"))
        else:
            shape.append((state, "none"))
    walk = f"SELECT (SELECT MIN({queue}) FROM {table} WHERE {queue} > queues.name) FROM queues"
    sql = (
        f"WITH RECURSIVE queues (name) AS ("
        f"SELECT MIN({queue}) FROM {table} UNION ALL {walk} WHERE queues.name IS NOT NULL) "
        f"SELECT queues.name, {', '.join(columns)} FROM queues WHERE queues.name IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    convert = read_converter(ExternalGraderDetail, "status_time", connection)
    result: list[tuple[str, str, int, int, datetime.datetime | None]] = []
    for name, *values in found:
        values = iter(values)
        for state, eligible in shape:
            rows = next(values)
            if eligible == "none":
                result.append((name, state, rows, 0, None))
                continue
            counted = rows if eligible == "all" else next(values)
            oldest = next(values)
            result.append((name, state, rows, counted, None if oldest is None else convert(oldest)))
    return result
