"""Helpers shared by the queue services: locking, moving a row by a transition, failing it with its notice."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from django.db import router, transaction

from submissions import metrics, signals
from submissions.conf import app_settings
from submissions.db.rows import update_row
from submissions.external_grader.events import record_score_event
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.states import TABLE

if TYPE_CHECKING:
    from django.db.backends.base.features import BaseDatabaseFeatures

#: Why a row counted a failure: a label of the failures metric (``metrics.FAILURE_CAUSES``).
FailureCause: TypeAlias = Literal["recording", "attempts", "operator"]

logger = logging.getLogger("submissions.external_grader.queue")


def db_alias() -> str:
    return router.db_for_write(ExternalGraderDetail)


def features() -> BaseDatabaseFeatures:
    from django.db import connections

    return connections[db_alias()].features


def lock_of_self() -> dict[str, tuple[str, ...]]:
    """``{"of": ("self",)}`` where the backend can lock only the grader row of a joined query."""
    return {"of": ("self",)} if features().has_select_for_update_of else {}


def move(row: ExternalGraderDetail, name: str, **arguments: Any) -> None:
    """
    Apply transition ``name`` to a grader row the caller holds locked, and save exactly the fields the
    transition table says it writes (``states.TABLE``), with one ``UPDATE`` (``db.rows.update_row``).
    """
    getattr(row, name)(**arguments)
    update_row(row, TABLE[name].fields(**arguments), using=row._state.db or db_alias())


def at_attempt_cap(row: ExternalGraderDetail) -> bool:
    """Whether the row used all its hand-outs (``MAX_ATTEMPTS``; 0 means no cap)."""
    cap = app_settings.MAX_ATTEMPTS
    return bool(cap) and (row.num_attempts or 0) >= cap


def failure_message() -> str:
    """The reply text of the failure notice (capa reads correct/score/msg)."""
    return json.dumps({"correct": False, "score": 0, "msg": app_settings.FAILURE_MESSAGE})


def ensure_related(row: ExternalGraderDetail) -> ExternalGraderDetail:
    """Load ``row.submission.student_item`` (one query) unless already cached."""
    if "submission" not in row._state.fields_cache:
        from submissions.models import Submission

        row.submission = Submission._objects.select_related("student_item").get(pk=row.submission_id)
    elif "student_item" not in row.submission._state.fields_cache:
        row.submission.student_item  # noqa: B018  (loads it)
    return row


def fail_row(row: ExternalGraderDetail, reason: str, *, cause: FailureCause, notice: bool = True) -> None:
    """
    Move a locked row to ``failed`` (inside the caller's transaction); with ``notice`` and
    ``FAILURE_NOTICE`` write the failure event to the outbox. ``external_grader_failed`` is sent, and the
    failure counted (``cause``: one of ``metrics.FAILURE_CAUSES``), after commit.
    """
    move(row, "fail")
    if notice and app_settings.FAILURE_NOTICE:
        ensure_related(row)
        record_score_event(row, 0, failure_message(), kind=ScoreEventDelivery.Kind.FAILURE)
    logger.warning("Grader row of submission %s failed: %s", row.submission_id, reason)

    def announce() -> None:
        metrics.record.failure(row.queue_name, cause, "failed")
        signals.external_grader_failed.send_robust(sender=ExternalGraderDetail, external_grader=row, reason=reason)

    transaction.on_commit(announce, robust=True)
