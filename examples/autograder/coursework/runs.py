"""
Code runs: the learner's code on the question's visible test cases, through the grader queue and the
sandbox, never in a web process.

A run is a library submission of a *separate* student item — the class's runs course
(``Class.run_course_key``), item type ``code_run``, on the runs queue — so it is never an attempt, a
submission or a score of the graded question. The request waits for the grader's answer (the score
event fills the :class:`CodeRun` row) up to the question's limits plus a grace period; a run still
unanswered then is retired in the queue, so no grader picks it up later.

Each user may have ``CODE_RUNS_IN_FLIGHT`` runs waiting for the grader at once and start
``CODE_RUNS_PER_MINUTE`` in any 60 seconds (settings; 0: no limit); beyond that the run is refused with 429
and ``Retry-After``, before anything is written. The limits count the user's :class:`CodeRun` rows under a
lock of the user's row, so concurrent requests cannot slip past them, and they hold across processes.
"""

import datetime
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from rest_framework.exceptions import Throttled
from submissions import api
from submissions.external_grader import queue

from .access import check_can_run
from .models import CodeRun
from .services import student_item

__all__ = ["run_code", "start_run", "wait_for", "check_run_allowance"]

POLL_SECONDS = 0.05
#: The window of ``CODE_RUNS_PER_MINUTE``.
RATE_WINDOW = datetime.timedelta(seconds=60)
#: A run still queued after this long was abandoned (its web process died before retiring it): not in flight.
IN_FLIGHT_FOR_AT_MOST = datetime.timedelta(minutes=10)


def run_code(user, question, code):
    """Run ``code``; returns the finished (or timed-out) :class:`CodeRun`."""
    run, detail_id, seconds = start_run(user, question, code)
    return wait_for(run, detail_id, seconds) if seconds else run


def start_run(user, question, code):
    """Queue the run: ``(run, grader row id, seconds to wait)``; 0 seconds when there is nothing to run."""
    check_can_run(user, question)
    visible = [case for case in question.test_cases.all() if not case.hidden]
    with transaction.atomic():
        check_run_allowance(user)
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


def check_run_allowance(user):
    """
    Raise 429 (``Throttled``, with the seconds to wait) when ``user`` has ``CODE_RUNS_IN_FLIGHT`` runs waiting
    or started ``CODE_RUNS_PER_MINUTE`` in the last minute. Call it first in the transaction that creates the
    run: it locks the user's row until then, so the user's concurrent requests are counted one after the other
    (and MariaDB's repeatable read takes the transaction's snapshot at the first plain read, after the lock).
    """
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()
    now = timezone.now()
    runs = CodeRun.objects.filter(user=user)
    most = settings.CODE_RUNS_IN_FLIGHT
    if most and runs.filter(status=CodeRun.Status.QUEUED, created_at__gt=now - IN_FLIGHT_FOR_AT_MOST).count() >= most:
        raise Throttled(wait=1, detail=f"You have {most} code run(s) waiting for the grader: wait for them to finish.")
    most = settings.CODE_RUNS_PER_MINUTE
    if most:
        recent = runs.filter(created_at__gt=now - RATE_WINDOW).aggregate(count=Count("id"), first=Min("created_at"))
        if recent["count"] >= most:
            wait = (recent["first"] + RATE_WINDOW - now).total_seconds()
            raise Throttled(wait=max(1, math.ceil(wait)), detail=f"At most {most} code runs a minute.")
