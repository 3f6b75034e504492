"""Fixtures of the XQueue interface tests: grader accounts, clients, and work in a queue."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client

GRADER_PASSWORD = "grader-secret-password"


@pytest.fixture(autouse=True)
def _clear_login_counters():
    cache.clear()
    yield
    cache.clear()


def make_grader(username="grader", password=GRADER_PASSWORD, group="xqueue"):
    user = User.objects.create_user(username=username, password=password)
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def grader(db):
    return make_grader()


@pytest.fixture
def client():
    """A Django test client that enforces CSRF like a browser-facing host would."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def grader_client(grader):
    c = Client(enforce_csrf_checks=True)
    c.force_login(grader)
    return c


def envelope(response):
    """The decoded envelope, after checking the shape every response must have."""
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"return_code", "content"}, body
    assert body["return_code"] in (0, 1)
    return body
