"""Keeping ScoreSummary in step with the Score history, without races."""

from django.db import router, transaction

from submissions.models.core import ScoreSummary, StudentItem

__all__ = ["record_in_summary"]


def record_in_summary(score):
    """
    Make ``score`` the latest of its student item, and the highest if it beats the current one.

    The student item row is locked first, so concurrent first scores of one item are serialised
    and never lose the summary (edx-submissions swallowed the IntegrityError of that race).
    """
    using = router.db_for_write(ScoreSummary, instance=score)
    with transaction.atomic(using=using):
        StudentItem.objects.using(using).select_for_update().filter(pk=score.student_item_id).exists()
        summary = (
            ScoreSummary.objects.using(using)
            .select_for_update()
            .select_related("highest")
            .filter(student_item_id=score.student_item_id)
            .first()
        )
        if summary is None:
            ScoreSummary.objects.using(using).create(
                student_item_id=score.student_item_id, highest=score, latest=score
            )
            return
        summary.latest = score
        if ScoreSummary.replaces_highest(score, summary.highest):
            summary.highest = score
        summary.save(update_fields=["latest", "highest"])
