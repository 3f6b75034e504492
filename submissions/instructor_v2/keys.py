"""
Course and usage keys of the instructor API, raw or %-encoded.

With edx-opaque-keys installed (the ``openedx`` extra) keys are validated and normalised by it;
otherwise a plain-string parser accepts the same forms:

* course keys ``course-v1:Org+Course+Run`` (optionally ``+branch@…``/``+version@…``) and legacy
  ``Org/Course/Run``;
* usage keys ``block-v1:Org+Course+Run+type@problem+block@id`` and legacy ``i4x://Org/Course/type/id``,
  always rebound into the course of the URL (``map_into_course``).

Unparseable keys raise :class:`~submissions.errors.InstructorParameterError` (400 ``INVALID_PARAMETER``).
"""

import re
from dataclasses import dataclass
from urllib.parse import unquote

from submissions.errors import InstructorParameterError

__all__ = [
    "CourseKey",
    "UsageKey",
    "parse_course_key",
    "parse_usage_key",
    "has_control_characters",
    "CONTAINER_BLOCK_TYPES",
]

#: Block types that hold other blocks and cannot be rescored or overridden.
CONTAINER_BLOCK_TYPES = frozenset({"course", "chapter", "sequential", "vertical", "library_content", "unit"})

_FIELD = r"[\w\-~.:%]+"
_COURSE_V1 = re.compile(
    rf"^course-v1:(?P<org>{_FIELD})\+(?P<course>{_FIELD})\+(?P<run>{_FIELD})"
    rf"(?:\+branch@(?P<branch>{_FIELD}))?(?:\+version@(?P<version>[a-f0-9]{{24}}))?$"
)
_COURSE_LEGACY = re.compile(rf"^(?P<org>{_FIELD})/(?P<course>{_FIELD})/(?P<run>{_FIELD})$")
_BLOCK_V1 = re.compile(
    rf"^block-v1:(?P<org>{_FIELD})\+(?P<course>{_FIELD})\+(?P<run>{_FIELD})"
    rf"(?:\+branch@{_FIELD})?(?:\+version@[a-f0-9]{{24}})?"
    rf"\+type@(?P<type>[\w\-~.:%]+)\+block@(?P<id>{_FIELD})$"
)
_I4X = re.compile(rf"^i4x://(?P<org>{_FIELD})/(?P<course>{_FIELD})/(?P<type>{_FIELD})/(?P<id>[\w\-~.:%]+)(?:@\w+)?$")


@dataclass(frozen=True)
class CourseKey:
    """A parsed course key; ``str()`` is its canonical string."""

    org: str
    course: str
    run: str
    string: str

    def __str__(self):
        return self.string


@dataclass(frozen=True)
class UsageKey:
    """A parsed usage key bound to ``course_key``; ``str()`` is its canonical string."""

    course_key: CourseKey
    block_type: str
    block_id: str
    string: str

    def __str__(self):
        return self.string

    @property
    def is_container(self):
        return self.block_type in CONTAINER_BLOCK_TYPES


def has_control_characters(text):
    """Whether ``text`` holds characters no key or name can contain (NUL, other control characters)."""
    return any(ord(char) < 32 or 127 <= ord(char) < 160 for char in text)


def _decode(value):
    if not isinstance(value, str) or not value:
        return ""
    text = unquote(value) if "%" in value else value
    return "" if has_control_characters(text) else text


def _opaque_keys():
    """edx-opaque-keys' key classes, or None when the extra is not installed (imported lazily)."""
    try:
        from opaque_keys import InvalidKeyError
        from opaque_keys.edx.keys import CourseKey as OpaqueCourseKey
        from opaque_keys.edx.keys import UsageKey as OpaqueUsageKey
    except ImportError:
        return None
    return OpaqueCourseKey, OpaqueUsageKey, InvalidKeyError


def parse_course_key(value, *, field="course_key", use_opaque_keys=True):
    """Parse a course key (raw or %-encoded) or raise ``InstructorParameterError``."""
    text = _decode(value)
    opaque = _opaque_keys() if use_opaque_keys else None
    if opaque is not None:
        course_cls, _usage_cls, invalid = opaque
        try:
            key = course_cls.from_string(text)
        except (invalid, ValueError, TypeError):
            raise InstructorParameterError(
                f"Invalid course key: {text!r}", field_errors={field: "Not a valid course key."}
            ) from None
        return CourseKey(org=key.org, course=key.course, run=key.run, string=str(key))
    match = _COURSE_V1.match(text) or _COURSE_LEGACY.match(text)
    if not match:
        raise InstructorParameterError(f"Invalid course key: {text!r}", field_errors={field: "Not a valid course key."})
    return CourseKey(org=match["org"], course=match["course"], run=match["run"], string=text)


def parse_usage_key(value, course_key, *, field="problem", use_opaque_keys=True):
    """Parse a usage key (raw or %-encoded), rebound into ``course_key``, or raise ``InstructorParameterError``."""
    text = _decode(value)
    opaque = _opaque_keys() if use_opaque_keys else None
    error = InstructorParameterError(f"Invalid usage key: {text!r}", field_errors={field: "Not a valid usage key."})
    if opaque is not None:
        course_cls, usage_cls, invalid = opaque
        try:
            key = usage_cls.from_string(text)
            key = key.map_into_course(course_cls.from_string(course_key.string))
        except (invalid, ValueError, TypeError, AttributeError):
            raise error from None
        return UsageKey(course_key=course_key, block_type=key.block_type, block_id=key.block_id, string=str(key))
    match = _BLOCK_V1.match(text) or _I4X.match(text)
    if not match:
        raise error
    block_type, block_id = match["type"], match["id"]
    if course_key.string.startswith("course-v1:"):
        string = f"block-v1:{course_key.org}+{course_key.course}+{course_key.run}+type@{block_type}+block@{block_id}"
    else:
        string = f"i4x://{course_key.org}/{course_key.course}/{block_type}/{block_id}"
    return UsageKey(course_key=course_key, block_type=block_type, block_id=block_id, string=string)
