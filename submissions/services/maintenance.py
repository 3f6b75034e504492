"""Operator maintenance over the core tables (used by the management commands)."""

import logging

from django.db import transaction
from django.db.models import Max

from submissions.models import Submission
from submissions.models.fields import UndecodableJSON

__all__ = ["uploaded_file_sizes_by_course", "last_submission_id", "normalise_submission_uuids"]

logger = logging.getLogger(__name__)

#: Marker of an ORA answer with uploaded files, as it appears in the stored JSON text.
FILES_SIZES_MARKER = '"files_sizes": ['


def _file_bytes(answer):
    """Total of the numeric ``files_sizes`` of an answer (0 when absent or malformed)."""
    if isinstance(answer, UndecodableJSON) or not isinstance(answer, dict):
        return 0
    sizes = answer.get("files_sizes")
    if not isinstance(sizes, list):
        return 0
    return sum(size for size in sizes if isinstance(size, int | float) and not isinstance(size, bool) and size > 0)


def uploaded_file_sizes_by_course(min_datetime, max_datetime, item_type="openassessment"):
    """
    Yield ``(course_id, users_with_files, total_bytes)`` for the active submissions created in
    ``[min_datetime, max_datetime]`` whose answers list uploaded file sizes, course by course.

    A plain ``LIKE`` on the stored text narrows the rows on every backend; sizes are summed in
    Python from the decoded answers.
    """
    rows = (
        Submission.objects.filter(
            created_at__range=(min_datetime, max_datetime),
            student_item__item_type=item_type,
            answer__contains=FILES_SIZES_MARKER,
        )
        .order_by("student_item__course_id", "student_item__student_id", "id")
        .values_list("student_item__course_id", "student_item__student_id", "answer")
    )
    current, users, total = None, set(), 0
    for course_id, student_id, answer in rows.iterator(chunk_size=2000):
        if course_id != current:
            if current is not None:
                yield current, len(users), total
            current, users, total = course_id, set(), 0
        size = _file_bytes(answer)
        if size:
            users.add(student_id)
            total += size
    if current is not None:
        yield current, len(users), total


def last_submission_id():
    """The highest Submission id (deleted rows included), or None on an empty table."""
    return Submission._objects.aggregate(last=Max("id"))["last"]


def normalise_submission_uuids(first_id, last_id):
    """
    Rewrite the uuids of the submissions with ids in ``[first_id, last_id]`` in the form Django
    stores today (EDUCATOR-1090: old MySQL rows hold them hyphenated). One transaction, one
    ``UPDATE`` per chunk; returns the number of rows rewritten.
    """
    with transaction.atomic():
        submissions = list(Submission._objects.filter(id__gte=first_id, id__lte=last_id).only("id", "uuid"))
        if submissions:
            Submission._objects.bulk_update(submissions, ["uuid"])
    return len(submissions)
