"""
Fixtures shared by the whole suite. Keep them small and generic:

* ``student_item`` / ``other_student_item``: student item dicts (fresh copies per test);
* ``make_student_item``: builds more such dicts (``make_student_item(student_id="x")``);
* ``user_factory``: creates users (``user_factory(username="grader")``);
* ``clear_cache``: the default cache is cleared around every test (autouse).

Factories live in ``tests/factories.py`` (for setup only: tests go through the services/API).
"""

import itertools

import pytest
from django.core.cache import cache

from tests.factories import UserFactory

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_student_item():
    """Build a student item dict; keyword arguments override the defaults."""

    def make(**overrides):
        n = next(_counter)
        item = {
            "student_id": f"student-{n}",
            "course_id": "course-v1:edX+Demo+2026",
            "item_id": "block-v1:edX+Demo+2026+type@openassessment+block@item1",
            "item_type": "openassessment",
        }
        item.update(overrides)
        return item

    return make


@pytest.fixture
def student_item():
    return {
        "student_id": "Tim",
        "course_id": "course-v1:edX+Demo+2026",
        "item_id": "block-v1:edX+Demo+2026+type@openassessment+block@item1",
        "item_type": "openassessment",
    }


@pytest.fixture
def other_student_item(student_item):
    return {**student_item, "student_id": "Alice"}


@pytest.fixture
def user_factory(db):
    """Create users: ``user_factory(username="alice", is_staff=True)``."""

    def make(**kwargs):
        return UserFactory(**kwargs)

    return make
