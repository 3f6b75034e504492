"""
The XQueue wire format: the response envelope, parsing of grader input, and the ``content`` string
of ``get_submission``.

Everything here is pure (no database writes); the views call these helpers, then one queue service.
The formats are those of ``docs/graders.rst`` (Wire format), and legacy XQueue's byte for byte where a grader
can see the bytes: the nested members of ``content`` are themselves JSON strings made with ``json.dumps``'
default separators, as legacy XQueue and the LMS made them.
"""

import json
from dataclasses import dataclass
from datetime import UTC

from rest_framework.renderers import JSONRenderer

from submissions import bounded_json
from submissions.errors import GraderReplyError

__all__ = [
    "EnvelopeRenderer",
    "envelope",
    "ReplyHeader",
    "parse_reply",
    "clean_queue_name",
    "submission_time",
    "build_submission_content",
    "MAX_QUEUE_NAME_LENGTH",
]

#: Longest queue name a grader row can hold (``ExternalGraderDetail.queue_name``).
MAX_QUEUE_NAME_LENGTH = 128
#: Largest Submission primary key the database can hold (a 32-bit signed integer column).
MAX_SUBMISSION_ID = 2**31 - 1
#: ``submission_time`` format of capa / legacy XQueue (UTC).
SUBMISSION_TIME_FORMAT = "%Y%m%d%H%M%S"


class EnvelopeRenderer(JSONRenderer):
    """JSON with ``json.dumps``' default separators and ASCII escapes, like legacy XQueue's replies."""

    compact = False
    ensure_ascii = True


def envelope(success, content):
    """The ``{"return_code", "content"}`` body of every response."""
    return {"return_code": 0 if success else 1, "content": content}


def clean_queue_name(value):
    """
    The queue name of a query parameter, or None if it cannot name any queue (too long, control
    characters): such names are answered "not found" without a database query.
    """
    if not isinstance(value, str):
        return None
    if len(value) > MAX_QUEUE_NAME_LENGTH or any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        return None
    return value


@dataclass(frozen=True)
class ReplyHeader:
    submission_id: int
    submission_key: str


def _submission_id(value):
    if isinstance(value, bool):
        raise GraderReplyError("submission_id is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise GraderReplyError("submission_id is not an integer")


def parse_reply(data):
    """
    Parse the form (or JSON) fields of ``put_result``.

    Returns ``(ReplyHeader, body)`` where ``body`` is the raw ``xqueue_body`` string (its contents are
    validated by the queue service). Raises :class:`GraderReplyError` for a missing field, a header
    that is not a JSON object (or is beyond :mod:`~submissions.bounded_json`'s limits), a non-integer
    ``submission_id`` or a missing/non-string key, or a body that is not a string.
    """
    try:
        header_text = data.get("xqueue_header")
        body = data.get("xqueue_body")
    except AttributeError as exc:
        raise GraderReplyError("reply is not a set of fields") from exc
    if isinstance(header_text, (dict, list)):
        # A JSON request body may carry the header as an object; accept it as its JSON text would be.
        header_text = json.dumps(header_text)
    if not isinstance(header_text, str) or not isinstance(body, str):
        raise GraderReplyError("xqueue_header and xqueue_body are required strings")
    try:
        header = bounded_json.loads(header_text)
    except ValueError as exc:  # bounded_json.JSONLimitError included: nesting, number length
        raise GraderReplyError(f"xqueue_header is not JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise GraderReplyError("xqueue_header is not a JSON object")
    if "submission_id" not in header:
        raise GraderReplyError("submission_id missing")
    submission_id = _submission_id(header["submission_id"])
    key = header.get("submission_key")
    if not isinstance(key, str) or not key:
        raise GraderReplyError("submission_key missing")
    return ReplyHeader(submission_id=submission_id, submission_key=key), body


def submission_id_in_range(submission_id):
    """False for ids no row can have (a database would reject them rather than find nothing)."""
    return 0 < submission_id <= MAX_SUBMISSION_ID


def submission_time(value):
    """``YYYYMMDDhhmmss`` in UTC, as capa puts it in ``student_info``."""
    return value.astimezone(UTC).strftime(SUBMISSION_TIME_FORMAT)


def build_submission_content(detail, files):
    """
    The ``content`` string of a successful ``get_submission``.

    ``detail`` is the handed-out ``ExternalGraderDetail`` (with ``submission`` and its student item
    loaded); ``files`` maps original file names to absolute URLs.
    """
    submission = detail.submission
    if detail.grader_payload is not None:
        grader_payload = detail.grader_payload
    else:
        grader_payload = json.dumps({"grader": detail.grader_file_name})
    if detail.student_info is not None:
        student_info = detail.student_info
    else:
        student_info = json.dumps(
            {
                "anonymous_student_id": submission.student_item.student_id,
                "submission_time": submission_time(submission.submitted_at),
                "random_seed": 1,
            }
        )
    body = {"grader_payload": grader_payload, "student_info": student_info, "student_response": submission.answer}
    payload = {
        "xqueue_header": json.dumps({"submission_id": submission.id, "submission_key": detail.pullkey}),
        "xqueue_body": json.dumps(body),
        "xqueue_files": json.dumps(files or {}),
    }
    return json.dumps(payload)
