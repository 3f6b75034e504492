"""
``db.execution.batched_writes``: writes whose result nobody reads travel in front of the next
statement (PostgreSQL with psycopg 3), and every statement still sees the writes made before it.
On other backends the same code writes at once; the tests check the same outcomes there.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from submissions import api
from submissions.db.execution import batched_writes, can_batch, defer, execute
from submissions.db.rows import id_sequence, insert_row
from submissions.external_grader import queue
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.states import Status
from submissions.models import Score, ScoreSummary, StudentItem
from submissions.signals import score_set
from tests.external_grader.helpers import create, reply

pytestmark = pytest.mark.django_db

batching = pytest.mark.skipif(not can_batch(connection), reason="the backend writes each statement at once")


def item_row():
    return StudentItem.objects.create(student_id="s", course_id="c", item_id="i", item_type="problem")


def rename(item, item_type):
    table = connection.ops.quote_name(StudentItem._meta.db_table)
    defer(connection.alias, f"UPDATE {table} SET item_type = %s WHERE id = %s", [item_type, item.pk])


def test_a_deferred_write_is_seen_by_the_next_orm_statement():
    item = item_row()
    with transaction.atomic(), batched_writes(connection.alias):
        rename(item, "essay")
        assert StudentItem.objects.get(pk=item.pk).item_type == "essay"
    assert StudentItem.objects.get(pk=item.pk).item_type == "essay"


def test_deferred_writes_are_sent_at_the_end_of_the_block_in_their_order():
    item = item_row()
    with transaction.atomic():
        with batched_writes(connection.alias):
            rename(item, "first")
            rename(item, "second")
        assert StudentItem.objects.get(pk=item.pk).item_type == "second"


def test_an_exception_sends_nothing_and_the_transaction_rolls_back():
    item = item_row()
    with pytest.raises(RuntimeError), transaction.atomic(), batched_writes(connection.alias):
        rename(item, "lost")
        raise RuntimeError("boom")
    assert StudentItem.objects.get(pk=item.pk).item_type == "problem"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_deferred_write_runs_at_once():
    item = item_row()
    with batched_writes(connection.alias):
        rename(item, "now")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT item_type FROM {StudentItem._meta.db_table} WHERE id = %s", [item.pk])
            assert cursor.fetchone() == ("now",)


@batching
def test_execute_sends_the_waiting_writes_with_its_statement_and_reads_its_own_result():
    item = item_row()
    table = StudentItem._meta.db_table
    with transaction.atomic(), batched_writes(connection.alias):
        rename(item, "essay")
        with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
            execute(cursor, connection.alias, f"SELECT item_type, id FROM {table} WHERE id = %s", [item.pk])
            assert cursor.fetchone() == ("essay", item.pk)
    assert len(captured.captured_queries) == 1
    assert captured.captured_queries[0]["sql"].startswith("UPDATE")


@batching
def test_put_result_sends_score_summary_and_grader_row_with_the_outbox_row():
    detail = create(points_possible=2)
    pulled = queue.pull("q1")
    id_sequence(connection.alias, Score)  # looked up once per process
    with CaptureQueriesContext(connection) as captured:
        queue.put_result(pulled.submission_id, pulled.pullkey, reply(score=1.0))
    sent = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # The lock (which takes the score's id from the sequence), then one call with every write.
    assert sent[0].startswith("SELECT") and "nextval" in sent[0]
    combined = sent[1]
    assert combined.startswith('INSERT INTO "submissions_score"')
    assert "submissions_scoresummary" in combined and "submissions_externalgraderdetail" in combined
    assert "submissions_scoreeventdelivery" in combined
    row = ExternalGraderDetail.objects.get(pk=detail.pk)
    assert row.status == Status.RETIRED
    summary = ScoreSummary.objects.get(student_item_id=pulled.submission.student_item_id)
    assert summary.latest.points_earned == 2 and summary.highest_id == summary.latest_id
    assert ScoreEventDelivery.objects.filter(external_grader=detail).count() == 1


def test_a_score_set_receiver_reads_the_summary_of_the_new_score():
    """A host receiver of ``score_set`` runs inside put_result's transaction: it sees the score as recorded."""
    seen = []

    def receiver(sender, **kwargs):
        item = {"student_id": kwargs["anonymous_user_id"], "course_id": kwargs["course_id"]}
        item.update(item_id=kwargs["item_id"], item_type="problem")
        seen.append(api.get_score(item))

    create(points_possible=4)
    pulled = queue.pull("q1")
    score_set.connect(receiver)
    try:
        queue.put_result(pulled.submission_id, pulled.pullkey, reply(score=0.75))
    finally:
        score_set.disconnect(receiver)
    assert len(seen) == 1 and (seen[0]["points_earned"], seen[0]["points_possible"]) == (3, 4)


def test_a_row_with_an_id_from_the_sequence_travels_with_the_next_statement():
    """``insert_row`` of an instance whose id was taken beforehand (``id_sequence``) needs no answer."""
    item = item_row()
    sequence = id_sequence(connection.alias, StudentItem)
    if connection.vendor != "postgresql":
        assert sequence is None
        return
    with transaction.atomic(), batched_writes(connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [sequence])
            (reserved,) = cursor.fetchone()
        row = StudentItem(pk=reserved, student_id="s2", course_id="c", item_id="i", item_type="problem")
        with CaptureQueriesContext(connection) as captured:
            assert insert_row(row, connection.alias) is False
            assert captured.captured_queries == []  # waiting
            assert StudentItem.objects.get(pk=reserved).student_id == "s2"  # sent before the ORM's read
    assert captured.captured_queries[0]["sql"].startswith('INSERT INTO "submissions_studentitem" ("id"')
    later = StudentItem.objects.create(student_id="s3", course_id="c", item_id="i", item_type="problem")
    assert later.pk > reserved > item.pk
