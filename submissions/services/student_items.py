"""StudentItem lookups: a read that never writes, and a race-safe get-or-create."""

import logging

from django.db import DatabaseError, IntegrityError, router, transaction

from submissions.errors import SubmissionInternalError, SubmissionRequestError
from submissions.models import StudentItem
from submissions.services.summary import lock_student_item_row, select_student_item_for_update
from submissions.services.validation import validate_student_item_dict

__all__ = ["find_student_item", "get_or_create_student_item", "lock_student_item", "lock_and_get_student_item"]

logger = logging.getLogger(__name__)


def _identity(clean):
    return {"student_id": clean["student_id"], "course_id": clean["course_id"], "item_id": clean["item_id"]}


def find_student_item(student_item_dict, *, using=None, error_class=SubmissionRequestError):
    """
    The StudentItem matching every key of the (validated) dict, or None. Never writes.

    ``item_type`` is optional here; when given it must match too.
    """
    clean = validate_student_item_dict(student_item_dict, require_item_type=False, error_class=error_class)
    queryset = StudentItem.objects.using(using) if using else StudentItem.objects
    return queryset.filter(**clean).first()


def get_or_create_student_item(student_item_dict):
    """
    The StudentItem of ``student_item_dict``, created if missing.

    The dict is validated first (``SubmissionRequestError``). Creation runs in a savepoint; when a
    concurrent request created the same item first (``IntegrityError`` on the unique key), the get
    is retried, so both callers end up with the same row. An existing item of another
    ``item_type`` is a request error (4.x failed with an internal error here).
    """
    clean = validate_student_item_dict(student_item_dict)
    identity = _identity(clean)
    try:
        item = StudentItem.objects.filter(**identity).first()
        if item is None:
            try:
                with transaction.atomic():
                    return StudentItem.objects.create(**clean)
            except IntegrityError:
                item = StudentItem.objects.filter(**identity).first()
                if item is None:
                    raise
                logger.info("Student item %s was created concurrently; using it", identity)
    except DatabaseError as exc:
        logger.exception("Could not get or create student item %s", identity)
        raise SubmissionInternalError(f"An error occurred creating student item: {identity}") from exc
    if item.item_type != clean["item_type"]:
        raise SubmissionRequestError(
            "The student item exists with another item type",
            field_errors={"item_type": [f"This student item has item_type {item.item_type!r}."]},
        )
    return item


def lock_student_item(student_item_id, *, using=None):
    """
    Lock the StudentItem row (``SELECT ... FOR [NO KEY] UPDATE``) for the rest of the transaction.

    Services that write Scores lock the item *before* inserting, so that concurrent writers queue
    here instead of deadlocking on the foreign-key lock the insert takes (see
    ``submissions.services.summary``). Must be called inside ``transaction.atomic``.
    """
    return lock_student_item_row(student_item_id, using or router.db_for_write(StudentItem))


def lock_and_get_student_item(student_item_id, *, using=None):
    """:func:`lock_student_item` that also returns the StudentItem (one statement: the lock reads the row)."""
    using = using or router.db_for_write(StudentItem)
    return select_student_item_for_update(using).get(pk=student_item_id)
