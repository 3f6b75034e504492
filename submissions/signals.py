"""
Django signals sent by the library.

``score_set``
    Sent by ``submissions.api.set_score`` (so once per member by ``team_api.set_score``) after the
    Score is saved, inside the caller's transaction. ``sender=None``. Kwargs:
    ``points_possible``, ``points_earned``, ``anonymous_user_id``, ``course_id``, ``item_id``,
    ``created_at``.

``score_reset``
    Sent by ``submissions.api.reset_score`` (unless ``emit_signal=False``) after the reset Score and
    any soft deletes are written. ``sender=None``. Kwargs: ``anonymous_user_id``, ``course_id``,
    ``item_id``, ``created_at``.

``external_grader_score_submitted``
    Sent once per recorded external grade (and per failure notice) after the transaction commits,
    whether or not openedx-events is installed. ``sender=ExternalGraderDetail``. Kwarg ``score``:
    a :class:`submissions.external_grader.events.ScoreEventData` with the fields of openedx-events'
    ``ExternalGraderScoreData``.

``external_grader_failed``
    Sent after commit when a grader row fails for good (attempt cap, or an operator's ``fail``).
    ``sender=ExternalGraderDetail``. Kwargs: ``external_grader`` (the row), ``reason`` (str).
"""

from django.dispatch import Signal

__all__ = ["score_set", "score_reset", "external_grader_score_submitted", "external_grader_failed"]

score_set = Signal()
score_reset = Signal()
external_grader_score_submitted = Signal()
external_grader_failed = Signal()
