"""
Validation of the inputs of the public API, done before anything is written.

Every check raises :class:`~submissions.errors.SubmissionRequestError` (or the subclass a caller
passes in) with ``field_errors`` naming the offending field, so no service ever writes a row for a
request it will later reject.
"""

import datetime
import json
import math
import numbers
import uuid as uuid_module
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from submissions.errors import ScoreValueError, SubmissionRequestError
from submissions.models import Submission

__all__ = [
    "STUDENT_ITEM_KEYS",
    "MAX_ID_LENGTH",
    "MAX_ITEM_TYPE_LENGTH",
    "MAX_POSITIVE_INT",
    "validate_student_item_dict",
    "validate_identifier",
    "coerce_lookup_key",
    "validate_answer",
    "validate_attempt_number",
    "validate_submitted_at",
    "validate_points",
    "validate_annotation",
    "parse_uuid",
    "parse_uuid_list",
]

STUDENT_ITEM_KEYS = ("student_id", "course_id", "item_id", "item_type")
MAX_ID_LENGTH = 255
MAX_ITEM_TYPE_LENGTH = 100
#: Largest value every supported database stores in a PositiveIntegerField.
MAX_POSITIVE_INT = 2**31 - 1


def _identifier_error(value, max_length):
    """The message for an invalid identifier, or None when ``value`` is fine."""
    if not isinstance(value, str):
        return f"Must be a string, not {type(value).__name__}."
    if not value.strip():
        return "This field may not be blank."
    if len(value) > max_length:
        return f"Ensure this field has no more than {max_length} characters."
    if "\x00" in value:
        return "Null characters are not allowed."
    return None


def validate_identifier(name, value, *, max_length=MAX_ID_LENGTH, error_class=SubmissionRequestError):
    """Check that ``value`` is a non-blank string of at most ``max_length`` characters."""
    message = _identifier_error(value, max_length)
    if message:
        raise error_class(f"Invalid {name}", field_errors={name: [message]})
    return value


def _is_opaque_key(value):
    """An edx-opaque-keys key (CourseKey, UsageKey...), recognised without importing the package."""
    return any(klass.__module__.startswith("opaque_keys") for klass in type(value).__mro__)


def coerce_lookup_key(name, value, *, allow_blank=True, allow_none=False, error_class=SubmissionRequestError):
    """
    A course, item or student id used to *look rows up*, as a string.

    Strings pass; an edx-opaque-keys key (``CourseKey``, ``UsageKey``) is turned into its string, as
    Django's lookups did for 4.x callers that pass keys; anything else is a request error. Blank
    strings are accepted unless ``allow_blank`` is false (they simply match nothing). With
    ``allow_none`` (reads), None is returned as is: it matches nothing, as 4.x's ``IS NULL`` lookups on
    these NOT NULL columns did, and the read answers its empty result.
    """
    if value is None and allow_none:
        return None
    if _is_opaque_key(value):
        value = str(value)
    if not isinstance(value, str):
        raise error_class(f"Invalid {name}", field_errors={name: [f"Must be a string, not {type(value).__name__}."]})
    if not allow_blank:
        validate_identifier(name, value, error_class=error_class)
    return value


def validate_student_item_dict(student_item_dict, *, require_item_type=True, error_class=SubmissionRequestError):
    """
    Check a student item dict and return a clean copy holding only the known keys.

    ``student_id``, ``course_id`` and ``item_id`` must be non-blank strings of at most 255
    characters; ``item_type`` a non-blank string of at most 100 (optional when
    ``require_item_type`` is false). Unknown keys are rejected.
    """
    if not isinstance(student_item_dict, dict):
        raise error_class(
            "The student item must be a dict",
            field_errors={"student_item": [f"Expected a dict, got {type(student_item_dict).__name__}."]},
        )
    errors = {}
    unknown = sorted(str(key) for key in student_item_dict if key not in STUDENT_ITEM_KEYS)
    for key in unknown:
        errors[key] = ["Unknown field."]
    for key in STUDENT_ITEM_KEYS:
        if key not in student_item_dict:
            if key != "item_type" or require_item_type:
                errors[key] = ["This field is required."]
            continue
        max_length = MAX_ITEM_TYPE_LENGTH if key == "item_type" else MAX_ID_LENGTH
        message = _identifier_error(student_item_dict[key], max_length)
        if message:
            errors[key] = [message]
    if errors:
        raise error_class("Invalid student item", field_errors=errors)
    return {key: student_item_dict[key] for key in STUDENT_ITEM_KEYS if key in student_item_dict}


def validate_answer(answer, *, error_class=SubmissionRequestError):
    """
    Check that ``answer`` is strict JSON (no NaN/Infinity) of at most ``Submission.MAXSIZE``
    characters once dumped the way it is stored (``ensure_ascii=True``).
    """
    if answer is None:
        raise error_class(_("An answer is required"), field_errors={"answer": ["This field may not be null."]})
    try:
        dumped = json.dumps(answer, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise error_class(
            "The answer is not JSON-serialisable",
            field_errors={"answer": [f"Answer value must be JSON-serializable ({exc})."]},
        ) from exc
    if len(dumped) > Submission.MAXSIZE:
        raise error_class(
            _("The answer is too long"),
            field_errors={
                "answer": [f"Maximum answer size exceeded ({len(dumped)} > {Submission.MAXSIZE} characters of JSON)."]
            },
        )
    return answer


def validate_attempt_number(attempt_number, *, required=False, error_class=SubmissionRequestError):
    """``None`` (when not required) or an int between 0 and 2**31 - 1 (bools rejected)."""
    if attempt_number is None and not required:
        return None
    if isinstance(attempt_number, bool) or not isinstance(attempt_number, int):
        message = f"A valid integer is required, not {type(attempt_number).__name__}."
    elif attempt_number < 0:
        message = "Ensure this value is greater than or equal to 0."
    elif attempt_number > MAX_POSITIVE_INT:
        message = f"Ensure this value is less than or equal to {MAX_POSITIVE_INT}."
    else:
        return attempt_number
    raise error_class("Invalid attempt number", field_errors={"attempt_number": [message]})


def validate_submitted_at(submitted_at, *, error_class=SubmissionRequestError):
    """
    ``None``, an aware ``datetime``, a naive one (taken in the current time zone), or an ISO 8601
    string. Returns an aware datetime (a naive one when the host runs with ``USE_TZ = False``) or None.
    """
    if submitted_at is None:
        return None
    value = submitted_at
    if isinstance(value, str):
        try:
            value = parse_datetime(value)
        except ValueError:
            value = None
        if value is None:
            raise error_class(
                "Invalid submitted_at", field_errors={"submitted_at": ["Datetime has wrong format; use ISO 8601."]}
            )
    if not isinstance(value, datetime.datetime):
        raise error_class(
            "Invalid submitted_at",
            field_errors={"submitted_at": [f"Expected a datetime, got {type(submitted_at).__name__}."]},
        )
    if not settings.USE_TZ:
        return timezone.make_naive(value) if timezone.is_aware(value) else value
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _integral_points(name, value):
    """``value`` as an int, or the message explaining why it is not acceptable points."""
    if value is None:
        return None, "This field may not be null."
    if isinstance(value, bool):
        return None, "A number is required, not a boolean."
    if isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, (float, Decimal)):
        if not math.isfinite(value) or value != int(value):
            return None, f"Ensure this value is a whole number (got {value!r})."
        number = int(value)
    else:
        return None, f"A number is required, not {type(value).__name__}."
    if number < 0:
        return None, "Ensure this value is greater than or equal to 0."
    if number > MAX_POSITIVE_INT:
        return None, f"Ensure this value is less than or equal to {MAX_POSITIVE_INT}."
    return number, None


def validate_points(points_earned, points_possible):
    """
    Check the points of a score and return them as ``(earned, possible)`` ints.

    Rejects None, bools, non-numbers, non-integral numbers (``1.0`` is accepted as 1), negatives,
    values too large for the database, and ``earned > possible``, with
    :class:`~submissions.errors.ScoreValueError` (a request *and* an internal error).
    """
    errors = {}
    earned, message = _integral_points("points_earned", points_earned)
    if message:
        errors["points_earned"] = [message]
    possible, message = _integral_points("points_possible", points_possible)
    if message:
        errors["points_possible"] = [message]
    if not errors and earned > possible:
        errors["points_earned"] = [f"Points earned ({earned}) cannot exceed points possible ({possible})."]
    if errors:
        raise ScoreValueError("Invalid points for a score", field_errors=errors)
    return earned, possible


def validate_annotation(creator, annotation_type, reason):
    """
    Check the optional annotation of ``set_score``; returns ``(creator, type, reason)`` or None.

    When ``creator`` is None no annotation is written (the other two are ignored, as in 4.x).
    Otherwise creator and type must be non-blank strings of at most 255 characters and reason a
    string or None (stored as ``""``).
    """
    if creator is None:
        return None
    errors = {}
    for name, value in (("annotation_creator", creator), ("annotation_type", annotation_type)):
        message = _identifier_error(value, MAX_ID_LENGTH)
        if message:
            errors[name] = [message]
    if reason is not None and not isinstance(reason, str):
        errors["annotation_reason"] = [f"Must be a string, not {type(reason).__name__}."]
    if errors:
        raise ScoreValueError("Invalid score annotation", field_errors=errors)
    return creator, annotation_type, reason or ""


def parse_uuid(value):
    """
    ``value`` (str or UUID) as a ``uuid.UUID``; ``ValueError`` if it is neither or is malformed.

    The message of a malformed string contains Django's wording "is not a valid UUID".
    """
    if isinstance(value, uuid_module.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid_module.UUID(value)
        except ValueError:
            pass
        raise ValueError(f"“{value}” is not a valid UUID.")
    raise TypeError(f"A UUID must be a str or uuid.UUID, not {type(value).__name__}")


def parse_uuid_list(values, name, *, error_class=SubmissionRequestError):
    """
    The ``uuid.UUID`` objects of a list argument of a bulk read; None members are skipped (they match
    nothing, as in 4.x's ``__in`` lookups). A non-list or a malformed uuid is an ``error_class``.
    """
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise error_class(f"{name} must be a list", field_errors={name: ["Expected a list of uuids."]})
    parsed = []
    for value in values:
        if value is None:
            continue
        try:
            parsed.append(parse_uuid(value))
        except (TypeError, ValueError) as exc:
            raise error_class(f"Invalid uuid in {name}", field_errors={name: [str(exc)]}) from exc
    return parsed
