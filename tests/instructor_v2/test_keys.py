"""Course and usage keys: edx-opaque-keys when installed, the plain-string parser otherwise (same answers)."""

import pytest

from submissions.errors import InstructorParameterError
from submissions.instructor_v2.keys import parse_course_key, parse_usage_key

COURSE = "course-v1:edX+DemoX+Demo_Course"
USAGE = "block-v1:edX+DemoX+Demo_Course+type@problem+block@abc"

both = pytest.mark.parametrize("opaque", [True, False], ids=["opaque-keys", "fallback"])


@both
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (COURSE, COURSE),
        ("course-v1%3AedX%2BDemoX%2BDemo_Course", COURSE),
        ("course-v1:edX+DemoX+Demo_Course", COURSE),
        ("edX/DemoX/Demo_Course", "edX/DemoX/Demo_Course"),
    ],
)
def test_course_keys(opaque, raw, expected):
    key = parse_course_key(raw, use_opaque_keys=opaque)
    assert str(key) == expected
    assert (key.org, key.course, key.run) == ("edX", "DemoX", "Demo_Course")


@both
@pytest.mark.parametrize("raw", ["", "nonsense", "course-v1:edX", "course-v1:edX+DemoX", "a/b", "course-v1:a+b+c\x00"])
def test_invalid_course_keys(opaque, raw):
    with pytest.raises(InstructorParameterError) as caught:
        parse_course_key(raw, use_opaque_keys=opaque)
    assert "course_key" in caught.value.field_errors


@both
@pytest.mark.parametrize(
    "raw",
    [
        USAGE,
        "block-v1%3AedX%2BDemoX%2BDemo_Course%2Btype%40problem%2Bblock%40abc",
        "i4x://edX/DemoX/problem/abc",
        "block-v1:Other+Course+Run+type@problem+block@abc",  # rebound into the URL's course
    ],
)
def test_usage_keys_are_rebound_into_the_course(opaque, raw):
    course = parse_course_key(COURSE, use_opaque_keys=opaque)
    key = parse_usage_key(raw, course, use_opaque_keys=opaque)
    assert str(key) == USAGE
    assert (key.block_type, key.block_id, key.is_container) == ("problem", "abc", False)


@both
def test_containers(opaque):
    course = parse_course_key(COURSE, use_opaque_keys=opaque)
    key = parse_usage_key("block-v1:edX+DemoX+Demo_Course+type@vertical+block@v", course, use_opaque_keys=opaque)
    assert key.is_container


@both
@pytest.mark.parametrize(
    "raw", ["", "abc", "block-v1:edX+DemoX", "type@problem+block@x", "block-v1:a+b+c+type@p+block@\x00"]
)
def test_invalid_usage_keys(opaque, raw):
    course = parse_course_key(COURSE, use_opaque_keys=opaque)
    with pytest.raises(InstructorParameterError):
        parse_usage_key(raw, course, use_opaque_keys=opaque)
