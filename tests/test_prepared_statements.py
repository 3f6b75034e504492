"""
``db.execution.execute_prepared``: on PostgreSQL a statement sent alone in autocommit is prepared on
the server once per session and executed from then on; a session whose prepared statements are not
where they were left (a pooler, ``DISCARD``) still gets the right rows. Elsewhere the statement runs
as it is; the results are checked on every backend.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from submissions.db.execution import _prepared_form, can_batch, execute_prepared
from submissions.external_grader import queue
from submissions.external_grader.states import Status
from tests.external_grader.helpers import create, student_item

pytestmark = pytest.mark.django_db(transaction=True)

preparing = can_batch(connection)
only_preparing = pytest.mark.skipif(not preparing, reason="the backend runs plain statements")

SQL = "SELECT %s + 1, %s, '%%'"
NAME, _BODY = _prepared_form(SQL)


def run(sql=SQL, params=(41, "x")):
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        execute_prepared(cursor, connection.alias, sql, list(params))
        row = cursor.fetchone()
    return row, [query["sql"].split(" ", 1)[0] for query in captured.captured_queries]


def prepared_here():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def test_the_rows_are_those_of_the_statement():
    assert run()[0] == (42, "x", "%")
    assert run(params=(1, "y"))[0] == (2, "y", "%")


@only_preparing
def test_prepared_once_per_session_then_executed():
    assert run() == ((42, "x", "%"), ["PREPARE"])
    assert run(params=(1, "y")) == ((2, "y", "%"), ["EXECUTE"])
    assert NAME in prepared_here()
    connection.close()  # a new session knows nothing of the old one's statements
    assert run() == ((42, "x", "%"), ["PREPARE"])


@only_preparing
def test_a_statement_gone_from_the_session_is_prepared_again():
    run()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what DISCARD ALL or another pooled session amounts to
    assert run() == ((42, "x", "%"), ["EXECUTE", "PREPARE"])
    assert run() == ((42, "x", "%"), ["EXECUTE"])


@only_preparing
def test_a_statement_already_in_the_session_is_executed():
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE {NAME} AS {_BODY.replace('%%', '%')}")
    assert run() == ((42, "x", "%"), ["PREPARE", "EXECUTE"])


@only_preparing
def test_a_statement_whose_columns_a_migration_changed_is_prepared_anew():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE prepared_probe (id integer, v integer)")
        cursor.execute("INSERT INTO prepared_probe VALUES (1, 7)")
    sql = "SELECT v FROM prepared_probe WHERE id = %s"
    assert run(sql, [1]) == ((7,), ["PREPARE"])
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE prepared_probe ALTER COLUMN v TYPE text")
    assert run(sql, [1]) == (("7",), ["EXECUTE", "DEALLOCATE"])
    assert run(sql, [1]) == (("7",), ["EXECUTE"])


@only_preparing
def test_a_session_where_prepared_statements_keep_failing_runs_plain_statements():
    """A pooler that hands each call another server session: found prepared, then gone; plain from then on."""

    def pooler(execute, sql, params, many, context):
        session = connection.connection  # psycopg's own connection: these calls are the pooler's, not Django's
        session.execute("DEALLOCATE ALL")
        if sql.startswith("PREPARE"):
            session.execute(f"PREPARE {NAME} AS SELECT 1")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(pooler):
        row, sent = run()
    assert row == (42, "x", "%")
    assert [kind for kind in sent if kind in ("PREPARE", "EXECUTE", "SELECT")][-3:] == ["PREPARE", "EXECUTE", "SELECT"]
    assert run() == ((42, "x", "%"), ["SELECT"])


@only_preparing
def test_an_error_of_the_statement_itself_is_raised_and_the_session_keeps_preparing():
    from django.db import DataError

    with pytest.raises(DataError):
        run("SELECT 1 / %s", [0])
    # The failed call's PREPARE may or may not have stayed in the session: either way the next call runs.
    assert run("SELECT 1 / %s", [1])[0] == (1,)
    assert run("SELECT 1 / %s", [2]) == ((0,), ["EXECUTE"])


@only_preparing
def test_inside_a_transaction_the_statement_runs_as_it_is():
    with transaction.atomic():
        assert run() == ((42, "x", "%"), ["SELECT"])
    assert NAME not in prepared_here()


def test_the_pull_is_prepared_and_still_hands_out_each_row_once():
    connection.close()  # a new session: the pull is not prepared in it yet
    first, second = create(), create(item=student_item())
    with CaptureQueriesContext(connection) as captured:
        pulled = [queue.pull("q1"), queue.pull("q1"), queue.pull("q1")]
    assert [row.pk if row else None for row in pulled] == [first.pk, second.pk, None]
    assert {row.status for row in pulled[:2]} == {Status.PULLED}
    sent = [query["sql"].split(" ", 1)[0] for query in captured.captured_queries]
    if preparing:
        assert sent[:2] == ["PREPARE", "EXECUTE"]


@only_preparing
def test_the_pulls_generic_plan_finds_retry_and_pulled_rows_by_the_queue_index():
    """
    A generic plan (what a prepared statement runs after five executions) must not read the rare states
    through the ``status_time`` index: with 10^6 rows queued that scan took 225 ms a pull. The queue name
    and the states are literals in the pull's text, so the plan knows how rare those states are.
    """
    create()  # a student item, submission and grader row made the usual way; the bulk is copied from them
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH items AS (
                INSERT INTO submissions_studentitem (student_id, course_id, item_id, item_type)
                SELECT 'bulk-' || g, 'c', 'i-' || g, 'problem' FROM generate_series(1, 20000) AS g RETURNING id
            ), subs AS (
                INSERT INTO submissions_submission
                    (uuid, student_item_id, attempt_number, submitted_at, created_at, raw_answer, status)
                SELECT gen_random_uuid(), id, 1, now(), now(), '"a"', 'A' FROM items RETURNING id, student_item_id
            )
            INSERT INTO submissions_externalgraderdetail
                (submission_id, queue_name, queue_key, grader_file_name, points_possible, status, status_time,
                 created_at, num_failures, num_attempts, only_if_higher)
            SELECT id, 'q1', 'k', 'g.py', 1, 'pending', now() - (student_item_id || ' seconds')::interval,
                   now() - (student_item_id || ' seconds')::interval, 0, 0, false
            FROM subs
            """
        )
        cursor.execute("ANALYZE submissions_externalgraderdetail")
    connection.close()
    sent = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        assert queue.pull("q1") is not None
    call, params = [(sql, params) for sql, params in sent if "EXECUTE" in sql][0]
    execute_only = call[call.index("EXECUTE") :].split("; SET LOCAL")[0]
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            with transaction.atomic():
                cursor.execute("EXPLAIN (COSTS OFF) " + execute_only, params)
                plan = "\n".join(line for (line,) in cursor.fetchall())
                transaction.set_rollback(True)
        finally:
            cursor.execute("RESET plan_cache_mode")
    lines = plan.splitlines()
    rare = [index for index, line in enumerate(lines) if "'retry'" in line or "'pulled'" in line]
    assert len(rare) == 4, plan  # the candidates of the hand-out, and the idle poll's look for any candidate
    for index in rare:  # searched for in the (queue_name, status, status_time) index, not filtered from a scan
        assert "Index Cond" in lines[index] and "submissions_queue_n_fbabd8_idx" in lines[index - 1], plan
