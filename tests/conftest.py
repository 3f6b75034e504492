"""
Fixtures shared by the whole suite. Keep them small and generic:

* ``student_item`` / ``other_student_item``: student item dicts (fresh copies per test);
* ``make_student_item``: builds more such dicts (``make_student_item(student_id="x")``);
* ``user_factory``: creates users (``user_factory(username="grader")``);
* ``clear_cache``: the default cache is cleared around every test (autouse);
* on an in-memory SQLite test database, live servers handle one request at a time (see
  ``serial_live_server_on_memory_sqlite``).

Factories live in ``tests/factories.py`` (for setup only: tests go through the services/API).
"""

import itertools
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from tests.factories import UserFactory

_counter = itertools.count(1)
_TESTS = Path(__file__).resolve().parent
SITE_SETTINGS = "tests.site.settings"


def pytest_ignore_collect(collection_path, config):
    """
    ``tests/site`` runs with the autograder site's settings (tox envs ``site-*``: ``--ds=tests.site.settings``),
    the rest of the suite with the library's: each run collects only its own part.
    """
    if collection_path.parent != _TESTS or collection_path.name in ("conftest.py", "__init__.py"):
        return None
    with_site = os.environ.get("DJANGO_SETTINGS_MODULE") == SITE_SETTINGS
    return (collection_path.name == "site") != with_site or None


class _SerialWSGIServer(WSGIServer):
    """A live server that handles one request at a time (and closes each connection after it)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


def _memory_sqlite():
    database = settings.DATABASES["default"]
    return database["ENGINE"].endswith("sqlite3") and not (database.get("TEST") or {}).get("NAME")


@pytest.fixture(scope="session", autouse=True)
def serial_live_server_on_memory_sqlite():
    """
    An in-memory SQLite test database is one connection, which Django's live server shares with
    every request thread; two concurrent requests (two grader workers) then interleave savepoints
    on it and break the transaction for the rest of the run. Serving requests one at a time keeps
    the live-server tests on that database correct; server databases keep the threaded server.
    """
    if not _memory_sqlite():
        yield
        return
    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = _SerialWSGIServer
    yield
    LiveServerThread.server_class = threaded


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
