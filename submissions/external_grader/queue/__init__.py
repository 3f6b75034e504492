"""
The grader queue: the only code that changes the state of external-grader rows.

Every service owns its transaction and moves rows only through the transitions of
:mod:`submissions.external_grader.states`, with the rows locked. Semantics: ``docs/external_grader.rst``.
"""

from submissions.external_grader.queue.create import cancel_unfinished, create_external_grader_detail
from submissions.external_grader.queue.operations import (
    StaleRequeued,
    fail,
    purge_finished,
    regrade,
    requeue_failed,
    requeue_stale,
    retire,
)
from submissions.external_grader.queue.pull import (
    DEPTH_STATES,
    GraderAccount,
    Pulled,
    QueueStats,
    StateDepth,
    StateStats,
    depth,
    is_known_queue,
    known_queues,
    pull,
    queue_length,
    queue_stats,
    take,
)
from submissions.external_grader.queue.results import (
    GraderReply,
    PutResultOutcome,
    RawReply,
    parse_reply,
    put_result,
    scaled_points,
)

__all__ = [
    "create_external_grader_detail",
    "cancel_unfinished",
    "pull",
    "take",
    "Pulled",
    "GraderAccount",
    "put_result",
    "PutResultOutcome",
    "GraderReply",
    "RawReply",
    "parse_reply",
    "scaled_points",
    "queue_length",
    "is_known_queue",
    "known_queues",
    "queue_stats",
    "QueueStats",
    "StateStats",
    "depth",
    "StateDepth",
    "DEPTH_STATES",
    "requeue_stale",
    "StaleRequeued",
    "requeue_failed",
    "retire",
    "fail",
    "regrade",
    "purge_finished",
]
