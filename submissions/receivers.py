"""Receivers the app connects in ``ready()``."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from submissions.models import Score
from submissions.services.summary import record_in_summary


@receiver(post_save, sender=Score, dispatch_uid="submissions.score_summary")
def update_score_summary(sender, instance, created, raw=False, **kwargs):
    """Every new Score updates its item's ScoreSummary (scores are never updated in place)."""
    if created and not raw:
        record_in_summary(instance)
