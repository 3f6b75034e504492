"""
The site listens to the library: ``external_grader_score_submitted`` brings every grade (and every
"could not be graded" notice) of both queues; ``external_grader_failed`` tells a row failed for good.
Receivers only store what arrived: a failure raises, and the library's outbox delivers the event again.
"""

import json
import logging

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone
from submissions.signals import external_grader_failed, external_grader_score_submitted

from .models import CodeRun, Submission

logger = logging.getLogger(__name__)


def parse_reply(score_msg):
    """
    ``(results, compile_output, compile_failed)`` of a grader reply: the ``testcases`` plugin's per-case
    results (``docs/reference_grader.rst``), or nothing for a failure notice (not JSON, or no results).
    """
    try:
        reply = json.loads(score_msg)
    except (TypeError, ValueError):
        reply = {}
    if not isinstance(reply, dict):
        reply = {}
    results = reply.get("results") if isinstance(reply.get("results"), list) else []
    results = [case for case in results if isinstance(case, dict)]
    return results, str(reply.get("compile_output") or ""), reply.get("compile_failed") is True


@receiver(external_grader_score_submitted, dispatch_uid="coursework.record_grade")
def record_grade(sender, score, **kwargs):
    results, compile_output, compile_failed = parse_reply(score.score_msg)
    now = timezone.now()
    if score.queue_name == settings.RUN_QUEUE:
        if compile_failed:
            status = CodeRun.Status.COMPILE_ERROR
        elif results:
            status = CodeRun.Status.COMPLETED
        else:
            status = CodeRun.Status.FAILED
        CodeRun.objects.filter(library_id=score.submission_id, status=CodeRun.Status.QUEUED).update(
            status=status, results=results, compile_output=compile_output, finished_at=now
        )
        return
    updated = Submission.objects.filter(library_id=score.submission_id).update(
        results=results, compile_output=compile_output, results_at=now
    )
    logger.info(
        "grade of submission %s: %s/%s (%s site row)",
        score.submission_id,
        score.points_earned,
        score.points_possible,
        updated,
    )


@receiver(external_grader_failed, dispatch_uid="coursework.record_failure")
def record_failure(sender, external_grader, reason, **kwargs):
    CodeRun.objects.filter(library_id=external_grader.submission_id, status=CodeRun.Status.QUEUED).update(
        status=CodeRun.Status.FAILED, finished_at=timezone.now()
    )
    logger.warning("submission %s could not be graded: %s", external_grader.submission_id, reason)
