"""
Code runs: the learner's code on the question's visible test cases, through the grader queue and the
sandbox, never in a web process.

A run is a library submission of a *separate* student item — the class's runs course
(``Class.run_course_key``), item type ``code_run``, on the runs queue — so it is never an attempt, a
submission or a score of the graded question. The request waits for the grader's answer (the score
event fills the :class:`CodeRun` row) up to the question's limits plus a grace period; a run still
unanswered then is retired in the queue, so no grader picks it up later.
"""

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from submissions import api
from submissions.external_grader import queue

from .access import check_can_run
from .models import CodeRun
from .services import student_item

__all__ = ["run_code", "start_run", "wait_for"]

POLL_SECONDS = 0.05


def run_code(user, question, code):
    """Run ``code``; returns the finished (or timed-out) :class:`CodeRun`."""
    run, detail_id, seconds = start_run(user, question, code)
    return wait_for(run, detail_id, seconds) if seconds else run


def start_run(user, question, code):
    """Queue the run: ``(run, grader row id, seconds to wait)``; 0 seconds when there is nothing to run."""
    check_can_run(user, question)
    visible = [case for case in question.test_cases.all() if not case.hidden]
    with transaction.atomic():
        detail = api.create_external_grader_detail(
            student_item(user, question, run=True),
            code,
            settings.RUN_QUEUE,
            f"run-{question.pk}",
            grader_file_name="testcases",
            points_possible=max(1, len(visible)),
            grader_payload=question.grader_payload(visible_only=True),
        )
        run = CodeRun.objects.create(user=user, question=question, library_id=detail.submission_id, code=code)
    if not visible:  # nothing to run against: answer at once, and take the item out of the queue
        queue.retire(ids=[detail.pk], notice=False)
        CodeRun.objects.filter(pk=run.pk).update(status=CodeRun.Status.COMPLETED, finished_at=timezone.now())
        run.refresh_from_db()
        return run, detail.pk, 0
    return run, detail.pk, question.run_deadline(len(visible))


def wait_for(run, detail_id, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db(fields=["status", "results", "compile_output", "finished_at"])
        if run.status != CodeRun.Status.QUEUED:
            return run
        time.sleep(POLL_SECONDS)
    queue.retire(ids=[detail_id], notice=False)  # a late reply is then refused: the run is over
    # (an answer that arrived between the last look and the retirement is kept)
    CodeRun.objects.filter(pk=run.pk, status=CodeRun.Status.QUEUED).update(
        status=CodeRun.Status.TIMED_OUT, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run
