"""Keeping ScoreSummary in step with the Score history, without races."""

from django.db import connections, router, transaction

from submissions.db import grader as grader_sql
from submissions.models.core import ScoreSummary, StudentItem

__all__ = ["record_in_summary", "lock_student_item_row", "select_student_item_for_update"]


def select_student_item_for_update(using):
    """StudentItems of ``using`` selected ``FOR [NO KEY] UPDATE`` (see :func:`lock_student_item_row`)."""
    no_key = connections[using].features.has_select_for_no_key_update
    return StudentItem.objects.using(using).select_for_update(no_key=no_key)


def lock_student_item_row(student_item_id, using):
    """
    ``SELECT ... FOR [NO KEY] UPDATE`` of the student item row, until the transaction ends.

    ``FOR NO KEY UPDATE`` where the backend has it (PostgreSQL): it serialises score writers but
    does not conflict with the ``KEY SHARE`` lock that inserting a child row (a Submission or a
    Score) takes on the item, so those inserts are not blocked and no lock upgrade can deadlock.
    """
    return select_student_item_for_update(using).filter(pk=student_item_id).values_list("pk", flat=True).first()


def record_in_summary(score, item_locked=False):
    """
    Make ``score`` the latest of its student item, and the highest if it beats the current one.

    The student item row is locked first, so concurrent first scores of one item are serialised
    and never lose the summary (edx-submissions swallowed the IntegrityError of that race). The
    score services take that lock *before* inserting the Score (here it is then already held); a
    caller that creates Scores directly gets the lock here. With ``item_locked`` (the caller,
    ``submissions.services.scores.write_score``, holds the lock in this transaction) it is not locked
    again, and the summary row, already serialised by that lock, is read without ``FOR UPDATE``, or
    written by one upsert on PostgreSQL (``db.grader.upsert_summary``).

    No savepoint: a failure here propagates out of ``Score.save()`` and rolls back the caller's block.
    """
    using = router.db_for_write(ScoreSummary, instance=score)
    if item_locked and grader_sql.enabled(using):
        grader_sql.upsert_summary(using, score)
        return
    with transaction.atomic(using=using, savepoint=False):
        if not item_locked:
            lock_student_item_row(score.student_item_id, using)
        summaries = ScoreSummary.objects.using(using)
        if not item_locked:
            summaries = summaries.select_for_update()
        summary = summaries.select_related("highest").filter(student_item_id=score.student_item_id).first()
        if summary is None:
            ScoreSummary.objects.using(using).create(student_item_id=score.student_item_id, highest=score, latest=score)
            return
        summary.latest = score
        if ScoreSummary.replaces_highest(score, summary.highest):
            summary.highest = score
        summary.save(update_fields=["latest", "highest"])
