"""Keeping ScoreSummary in step with the Score history, without races."""

from django.db import connections, router, transaction

from submissions.models.core import ScoreSummary, StudentItem
from submissions.services.rows import defer

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


def record_in_summary(score):
    """
    Make ``score`` the latest of its student item, and the highest if it beats the current one.

    The student item row is locked first, so concurrent first scores of one item are serialised
    and never lose the summary (edx-submissions swallowed the IntegrityError of that race). The
    score services take that lock *before* inserting the Score (here it is then already held); a
    caller that creates Scores directly gets the lock here. A Score saved with
    ``student_item_locked = True`` (set by ``submissions.services.scores.write_score``, which holds
    the lock in the same transaction) is not locked again, and its summary row, already serialised by
    that lock, is read without ``FOR UPDATE``.

    No savepoint: a failure here propagates out of ``Score.save()`` and rolls back the caller's block.
    """
    using = router.db_for_write(ScoreSummary, instance=score)
    item_locked = getattr(score, "student_item_locked", False)
    if item_locked and connections[using].vendor == "postgresql":
        _upsert_summary(score, using)
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


def _upsert_summary(score, using):
    """
    :func:`record_in_summary` in one statement (PostgreSQL, the student item locked by the caller):
    ``INSERT ... ON CONFLICT (student_item_id) DO UPDATE``, with ``ScoreSummary.replaces_highest``
    written as SQL: a reset always replaces the highest, a hidden (0 possible) score never does,
    otherwise the new ratio must beat the current highest's (compared as floats, as ``to_float``), or
    the current highest be hidden.
    """
    summary_table = connections[using].ops.quote_name(ScoreSummary._meta.db_table)
    score_table = connections[using].ops.quote_name(score._meta.db_table)
    params = [score.student_item_id, score.pk, score.pk]
    if score.reset:
        highest = "EXCLUDED.highest_id"
    elif score.points_possible == 0:
        highest = f"{summary_table}.highest_id"
    else:
        highest = (
            f"CASE WHEN (SELECT h.points_possible = 0 OR %s > CAST(h.points_earned AS double precision) / "
            f"h.points_possible FROM {score_table} h WHERE h.id = {summary_table}.highest_id) "
            f"THEN EXCLUDED.highest_id ELSE {summary_table}.highest_id END"
        )
        params.append(score.to_float())
    sql = (
        f"INSERT INTO {summary_table} (student_item_id, highest_id, latest_id) VALUES (%s, %s, %s) "
        f"ON CONFLICT (student_item_id) DO UPDATE SET latest_id = EXCLUDED.latest_id, highest_id = {highest}"
    )
    defer(using, sql, params)  # nothing reads its result: it may ride on the next statement (services.rows)
