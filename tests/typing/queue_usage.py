"""
Checked by mypy (quality env), never run: the queue services' types as a caller sees them. ``assert_type`` fails
when a hint drifts from the documented result; each ``type: ignore`` marks a call the hints must refuse (mypy's
strict mode reports an ignore that is no longer needed, so a hint that grew too wide fails too).
"""

import datetime
from typing import assert_type

from submissions.external_grader import queue
from submissions.external_grader.models import ExternalGraderDetail
from submissions.types import StudentItemDict

ITEM: StudentItemDict = {
    "student_id": "anon",
    "course_id": "course-v1:A+B+C",
    "item_id": "item",
    "item_type": "problem",
}


class EmailNamedUser:
    """A user of a model whose ``USERNAME_FIELD`` is the e-mail."""

    def get_username(self) -> str:
        return "grader@example.org"


def lms() -> None:
    created = queue.create_external_grader_detail(ITEM, "answer", "python", "lms-key", points_possible=2.0)
    assert_type(created, ExternalGraderDetail)
    queue.create_external_grader_detail(ITEM, {"code": "x"}, "python", None, "grader.py", 3, grader_payload="{}")
    assert_type(queue.cancel_unfinished({"student_id": "anon", "course_id": "c", "item_id": "i"}), int)
    assert_type(queue.regrade("8ba3a4bd-0d41-4a5a-9b5f-3f4f3fb1ae0d", only_if_higher=True), ExternalGraderDetail)
    queue.regrade("8ba3a4bd-0d41-4a5a-9b5f-3f4f3fb1ae0d", True)  # type: ignore[call-arg]
    queue.create_external_grader_detail(ITEM, "answer", "python", "key", points_possible="2")  # type: ignore[arg-type]


def grader(account: queue.GraderAccount) -> None:
    row = queue.pull("python", grader=account)
    assert_type(row, ExternalGraderDetail | None)
    pulled = queue.take("python", EmailNamedUser())
    assert_type(pulled, queue.Pulled | None)
    if pulled is None:
        return
    assert_type(pulled.row, ExternalGraderDetail)
    assert_type(pulled.may_have_files, bool)
    pulled.may_have_files = False  # type: ignore[misc]
    outcome = queue.put_result(12, "pull-key", b'{"correct": true, "score": 1, "msg": ""}')
    assert_type(outcome, queue.PutResultOutcome)
    assert_type(outcome.points_earned, int)
    assert_type(outcome.score_recorded, bool)
    queue.put_result(12, "pull-key", {"correct": True, "score": 0.5, "msg": "<p>half</p>"})
    queue.put_result(12, None, "{}")  # type: ignore[arg-type]
    queue.pull(None)  # type: ignore[arg-type]
    queue.take("python", grader=object())  # type: ignore[arg-type]
    assert_type(queue.queue_length("python"), int)


def replies() -> None:
    parsed = queue.parse_reply('{"correct": false, "score": 0, "msg": "no"}')
    assert_type(parsed, queue.GraderReply)
    assert_type(parsed.raw, str)
    assert_type(parsed.score, float)
    assert_type(queue.scaled_points(parsed.score, 3), int)
    queue.parse_reply(12)  # type: ignore[arg-type]


def operator() -> None:
    assert_type(queue.is_known_queue(None), bool)
    assert_type(queue.known_queues(), list[str])
    stats = queue.queue_stats()
    assert_type(stats, dict[str, queue.QueueStats])
    pending = stats["python"]["states"]["pending"]
    assert_type(pending["count"], int)
    assert_type(pending["oldest"], datetime.datetime)
    assert_type(pending["oldest_age"], float | None)
    assert_type(stats["python"]["eligible"], int)
    depth = queue.depth()["python"]["pending"]
    assert_type(depth, queue.StateDepth)
    assert_type(depth.oldest_eligible_age, float)
    released = queue.requeue_stale(older_than=60, ids=[1, 2])
    assert_type(released, queue.StaleRequeued)
    assert_type(released["released"] + released["failed"], int)
    released["stale"]  # type: ignore[typeddict-item]  # noqa: B018
    assert_type(queue.requeue_failed(ids=(1, 2), queue_name="python", limit=10), int)
    assert_type(queue.retire(queue_name="python", older_than=86400.0, notice=False), int)
    assert_type(queue.fail(7, "broken grader"), ExternalGraderDetail)
    assert_type(queue.purge_finished(30, dry_run=True), int)
    queue.retire(ids=["7"])  # type: ignore[list-item]
