"""
``db.execution.relaxed_commit``: a grader's claim and an outbox row's delivery mark, sent alone in
autocommit on PostgreSQL, commit without waiting for the WAL flush (ADR 0018); inside a transaction,
and on the other backends, nothing changes. The outcomes are checked on every backend.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from submissions.db.execution import can_batch, relaxed_commit
from submissions.external_grader import queue
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.states import Status
from tests.external_grader.helpers import create, reply

RELAXED = "SET LOCAL synchronous_commit TO OFF"
relaxing = can_batch(connection)
only_relaxing = pytest.mark.skipif(not relaxing, reason="the backend sends one statement per call")


def synchronous_commit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def relaxed(captured, table):
    """Whether the statements naming ``table`` were relaxed: all of them (True), none (False); else their flags."""
    flags = {q["sql"].endswith(RELAXED) for q in captured.captured_queries if table in q["sql"]}
    return flags.pop() if len(flags) == 1 else flags


@only_relaxing
@pytest.mark.django_db(transaction=True)
def test_the_call_commits_without_waiting_and_the_connection_keeps_its_setting():
    """What the library relies on: ``SET LOCAL`` takes effect in a call's implicit transaction, and ends with it."""
    with connection.cursor() as cursor:
        cursor.execute(relaxed_commit(connection.alias, "SELECT 1") + "; SELECT current_setting('synchronous_commit')")
        assert cursor.fetchone() == (1,)
        cursor.nextset()
        cursor.nextset()
        assert cursor.fetchone() == ("off",)
    assert synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
def test_a_pull_in_autocommit_claims_the_row_for_good():
    detail = create()
    with CaptureQueriesContext(connection) as captured:
        pulled = queue.pull("q1")
    assert pulled.pk == detail.pk
    assert relaxed(captured, "submissions_externalgraderdetail") is relaxing
    row = ExternalGraderDetail.objects.get(pk=detail.pk)
    assert (row.status, row.pullkey, row.num_attempts) == (Status.PULLED, pulled.pullkey, 1)
    if connection.vendor == "postgresql":
        assert synchronous_commit() == "on"


@only_relaxing
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_pull_leaves_the_commit_to_the_caller():
    create()
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        assert queue.pull("q1") is not None
        assert synchronous_commit() == "on"
    assert relaxed(captured, "submissions_externalgraderdetail") is False


@pytest.mark.django_db(transaction=True)
def test_the_delivery_mark_after_put_result_is_written():
    detail = create(points_possible=2)
    pulled = queue.pull("q1")
    with CaptureQueriesContext(connection) as captured:
        queue.put_result(pulled.submission_id, pulled.pullkey, reply(score=1.0))
    sent = [q["sql"] for q in captured.captured_queries]
    marks = [sql for sql in sent if sql.startswith("UPDATE") and "delivered_at" in sql]
    assert [sql.endswith(RELAXED) for sql in marks] == [relaxing]
    delivery = ScoreEventDelivery.objects.get(external_grader=detail)
    assert delivery.delivered_at is not None and delivery.last_error == ""
    assert ExternalGraderDetail.objects.get(pk=detail.pk).status == Status.RETIRED
