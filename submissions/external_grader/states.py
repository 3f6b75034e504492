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
row locked; the model's transition methods enforce :data:`TABLE` and apply what it says each writes.
"""

import enum
import typing

from django.db import models

__all__ = ["Status", "Effect", "Transition", "TABLE", "TRANSITIONS", "VALID_TRANSITIONS", "UNFINISHED"]


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    PULLED = "pulled", "Pulled"
    RETIRED = "retired", "Retired"
    FAILED = "failed", "Failed"
    RETRY = "retry", "Retry"


class Effect(enum.Enum):
    """How a transition computes a field it writes (besides constants, see :class:`Transition`)."""

    NOW = "now"  #: the moment of the transition
    NEW_KEY = "new_key"  #: a fresh, unguessable pull key
    INCREMENT = "increment"  #: one more (a NULL counts as 0)
    ARGUMENT = "argument"  #: the transition's keyword argument of the field's name (not written when absent)


class Transition(typing.NamedTuple):
    """One move: the states it leaves from, the state it leads to, and every other field it writes."""

    sources: tuple
    target: str
    #: ``{field name: Effect or constant}``; ``status`` is written too.
    writes: dict

    def fields(self, **arguments):
        """The fields a save after this transition writes (``status`` first), given the call's arguments."""
        written = [
            name
            for name, effect in self.writes.items()
            if effect is not Effect.ARGUMENT or arguments.get(name) is not None
        ]
        return ("status", *written)


_ANY_UNFINISHED = (Status.PENDING, Status.PULLED, Status.RETRY)

#: Every transition of a grader row: the one table the model's methods, the saves and the hand-written
#: hand-out (``submissions.db.grader``) are built from.
TABLE = {
    "hand_out": Transition(
        _ANY_UNFINISHED,
        Status.PULLED,
        {"pullkey": Effect.NEW_KEY, "num_attempts": Effect.INCREMENT, "status_time": Effect.NOW},
    ),
    "defer": Transition((Status.PULLED,), Status.RETRY, {"num_failures": Effect.INCREMENT, "status_time": Effect.NOW}),
    "retire": Transition(_ANY_UNFINISHED, Status.RETIRED, {"grader_reply": Effect.ARGUMENT, "status_time": Effect.NOW}),
    "fail": Transition(_ANY_UNFINISHED, Status.FAILED, {"num_failures": Effect.INCREMENT, "status_time": Effect.NOW}),
    "requeue": Transition(
        (Status.FAILED,),
        Status.PENDING,
        {"num_failures": 0, "num_attempts": 0, "pullkey": None, "status_time": Effect.NOW},
    ),
    # Added by the queue (ADR 0006): an operator releases a stuck hand-out; a rescore re-queues a
    # finished row. Both clear the pull key, so late replies to the old key are rejected.
    "release": Transition((Status.PULLED,), Status.PENDING, {"pullkey": None, "status_time": Effect.NOW}),
    "regrade": Transition(
        (Status.RETIRED, Status.FAILED),
        Status.PENDING,
        {
            "pullkey": None,
            "grader_reply": None,
            "num_failures": 0,
            "num_attempts": 0,
            "only_if_higher": Effect.ARGUMENT,
            "status_time": Effect.NOW,
        },
    ),
}

#: Name of each transition method: (allowed sources, target), the 4.x-era shape of :data:`TABLE`.
TRANSITIONS = {name: (move.sources, move.target) for name, move in TABLE.items()}

#: ``{source: [targets]}``, the 4.x shape of the same table.
VALID_TRANSITIONS = {
    status: [target for (sources, target) in TRANSITIONS.values() if status in sources] for status in Status
}

#: States in which a row still waits for a grade.
UNFINISHED = (Status.PENDING, Status.PULLED, Status.RETRY)
