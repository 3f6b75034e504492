"""
States of an external-grader row and the moves between them.

::

    pending ──hand_out──▶ pulled ──retire──▶ retired (terminal but for regrade)
       ▲                  │  ▲ │
       │                  │  └─┘ hand_out again when stale (new key)
       │               defer│
       │                  ▼
    requeue            retry ──hand_out──▶ pulled
       │
    failed ◀──fail── pending | pulled | retry      (attempt cap, operator)
    retired ◀──retire── pending | pulled | retry   (graded, or superseded by a newer attempt)
    pending ◀──release── pulled                     (operator: stuck hand-out, key cleared)
    pending ◀──regrade── retired | failed           (rescore; see ADR 0006)

Only ``submissions.external_grader.queue`` moves rows between states, inside a transaction with the
row locked; the model's transition methods enforce the table below.
"""

from django.db import models

__all__ = ["Status", "TRANSITIONS", "VALID_TRANSITIONS", "UNFINISHED"]


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    PULLED = "pulled", "Pulled"
    RETIRED = "retired", "Retired"
    FAILED = "failed", "Failed"
    RETRY = "retry", "Retry"


#: Name of each transition method: (allowed sources, target).
TRANSITIONS = {
    "hand_out": ((Status.PENDING, Status.PULLED, Status.RETRY), Status.PULLED),
    "defer": ((Status.PULLED,), Status.RETRY),
    "retire": ((Status.PENDING, Status.PULLED, Status.RETRY), Status.RETIRED),
    "fail": ((Status.PENDING, Status.PULLED, Status.RETRY), Status.FAILED),
    "requeue": ((Status.FAILED,), Status.PENDING),
    # Added by the queue (ADR 0006): an operator releases a stuck hand-out; a rescore re-queues a
    # finished row. Both clear the pull key, so late replies to the old key are rejected.
    "release": ((Status.PULLED,), Status.PENDING),
    "regrade": ((Status.RETIRED, Status.FAILED), Status.PENDING),
}

#: ``{source: [targets]}``, the 4.x shape of the same table.
VALID_TRANSITIONS = {
    status: [target for (sources, target) in TRANSITIONS.values() if status in sources] for status in Status
}

#: States in which a row still waits for a grade.
UNFINISHED = (Status.PENDING, Status.PULLED, Status.RETRY)
