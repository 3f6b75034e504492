"""The host's receivers of the library's signals: record every grade and print it."""

import logging

from django.dispatch import receiver

from submissions.signals import external_grader_failed, external_grader_score_submitted

logger = logging.getLogger("autograder")


@receiver(external_grader_score_submitted)
def record_grade(sender, score, **kwargs):
    from .models import GradeRecord

    GradeRecord.objects.create(
        submission_id=score.submission_id,
        learner=score.user_id,
        module_id=score.module_id,
        points_earned=score.points_earned,
        points_possible=score.points_possible,
        score_msg=score.score_msg,
    )
    logger.info(
        "grade received: submission %s of %s on %s: %s/%s",
        score.submission_id,
        score.user_id,
        score.module_id,
        score.points_earned,
        score.points_possible,
    )


@receiver(external_grader_failed)
def report_failure(sender, external_grader, reason, **kwargs):
    logger.warning("submission %s could not be graded: %s", external_grader.submission_id, reason)
