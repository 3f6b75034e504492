"""Receives every grade a grader sends back (after it is committed): update your gradebook here."""

from django.dispatch import receiver

from submissions.signals import external_grader_score_submitted


@receiver(external_grader_score_submitted)
def grade_received(sender, score, **kwargs):
    print(
        f"graded: {score.user_id} on {score.module_id}: {score.points_earned}/{score.points_possible}",
        flush=True,
    )
