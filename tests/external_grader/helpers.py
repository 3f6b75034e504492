"""Helpers of the queue tests (creating grader work through the services, replies, receivers)."""

import contextlib
import itertools
import json
import threading

from django.db import connection, transaction

from submissions.external_grader import queue
from submissions.external_grader.models import ExternalGraderDetail

_counter = itertools.count(1)


def student_item(student_id=None, course_id="course-v1:Org+Q+2026", item_id=None, item_type="problem"):
    number = next(_counter)
    return {
        "student_id": student_id or f"anon-{number}",
        "course_id": course_id,
        "item_id": item_id or f"block-v1:Org+Q+2026+type@problem+block@p{number}",
        "item_type": item_type,
    }


def create(queue_name="q1", item=None, answer="print(1)", queue_key="lms-key", points_possible=1, **kwargs):
    return queue.create_external_grader_detail(
        item or student_item(), answer, queue_name, queue_key, points_possible=points_possible, **kwargs
    )


def reply(score=1.0, correct=True, msg="<p>ok</p>"):
    return json.dumps({"correct": correct, "score": score, "msg": msg})


class Recorder:
    """A receiver that records every call (connected for one test)."""

    def __init__(self, fail=False):
        self.calls = []
        self.fail = fail

    def __call__(self, sender, **kwargs):
        self.calls.append(kwargs)
        if self.fail:
            raise RuntimeError("receiver failed")


@contextlib.contextmanager
def locked_elsewhere(pk):
    """The grader row ``pk`` held ``FOR UPDATE`` by another connection (a thread) while the block runs."""
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                ExternalGraderDetail.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        assert locked.wait(10)
        yield
    finally:
        release.set()
        thread.join()
