"""
Issue 14 point 3 on the site's API: its default JSON parser is the library's ``BoundedJSONParser`` (settings
``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``), so JSON nested beyond ``bounded_json.MAX_DEPTH`` is a 400 in the
site's envelope instead of a ``RecursionError`` and a 500; every POST/PUT body of the API is fuzzed with deep
nesting and number literals of every size: never a 5xx, nothing logged at ERROR, nothing written on a refusal.
"""

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions.bounded_json import MAX_DEPTH
from tests.hostile_json import ERROR_LEVEL, hostile_objects, hostile_texts, raw_object

BOMB = "[" * 100_000
DEEP = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def counts():
    from assignments.models import Assignment, Question, TestCase
    from classes.models import Class, Enrollment
    from coursework.models import CodeRun, Submission
    from notifications.models import Notification
    from users.models import User

    from submissions.models import ExternalGraderDetail, Score
    from submissions.models import Submission as LibrarySubmission

    models = [User, Class, Enrollment, Assignment, Question, TestCase, Submission, CodeRun, Notification]
    return tuple(model.objects.count() for model in [*models, LibrarySubmission, Score, ExternalGraderDetail])


def endpoints(course):
    """(actor, method, path, keys of its body) for every API endpoint that reads a JSON body."""
    klass, question = course["class"].pk, course["question"].pk
    return [
        ("anonymous", "post", "/api/auth/register/", ["username", "email", "password", "role"]),
        ("anonymous", "post", "/api/auth/login/", ["username", "password"]),
        ("anonymous", "post", "/api/auth/refresh/", ["refresh"]),
        ("owner", "post", "/api/classes/", ["name", "description"]),
        ("other_student", "post", f"/api/classes/{klass}/join/", ["join_code"]),
        ("owner", "post", "/api/assignments/", ["class_id", "title", "description", "due_at", "questions"]),
        # no "code": a body these keys make valid would start a code run that waits for a grader
        ("student", "post", "/api/code/run/", ["question_id"]),
        ("student", "post", "/api/submissions/submissions/", ["question_id"]),
        ("owner", "post", "/api/grading/grading/run-autograder/", ["assignment_id", "submission_id"]),
        ("owner", "put", "/api/grading/submissions/1/grade/", ["points", "comment"]),
    ], question


def no_errors(caplog):
    found = [record for record in caplog.records if record.levelno >= ERROR_LEVEL]
    caplog.clear()
    return found == []


def expect_refusal(response):
    assert response.status_code == 400, response.content[:300]
    payload = response.json()
    assert payload["success"] is False and payload["message"].startswith("JSON parse error - ")
    return payload


@pytest.mark.parametrize("raw", [BOMB, DEEP, raw_object(name=DEEP), raw_object(name='"x"', n="1" + "0" * 400)])
def test_deep_or_long_numbered_bodies_are_400_on_every_endpoint(clients, course, caplog, raw):
    caplog.set_level(logging.INFO)
    found, _ = endpoints(course)
    before = counts()
    for actor, method, path, _keys in found:
        expect_refusal(getattr(clients[actor], method)(path, raw, content_type="application/json"))
        assert counts() == before, path
    assert no_errors(caplog)


def test_fuzz_every_body_with_nesting_and_numbers(clients, course, caplog):
    found, _ = endpoints(course)

    @FUZZ
    @given(endpoint=st.sampled_from(found), data=st.data())
    def run(endpoint, data):
        actor, method, path, keys = endpoint
        raw = data.draw(hostile_texts | hostile_objects(keys))
        before = counts()
        response = getattr(clients[actor], method)(path, raw, content_type="application/json")
        assert response.status_code < 500, (path, raw[:100], response.content[:300])
        assert no_errors(caplog), (path, raw[:100])
        if response.status_code >= 400:
            payload = response.json()
            assert payload["success"] is False and isinstance(payload["message"], str)
            assert counts() == before, (path, raw[:100])

    run()
