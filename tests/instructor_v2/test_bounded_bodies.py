"""
Issue 14 point 3 on the instructor API: JSON bodies nested beyond ``bounded_json.MAX_DEPTH`` raised
``RecursionError`` (a 500 with an ERROR traceback). Now every body-accepting endpoint answers 400
``INVALID_PARAMETER`` in the API's ``Error`` object, writes nothing and logs nothing at ERROR; fuzzed with deep
nesting and number literals of every size (ADR 0050).
"""

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions.bounded_json import MAX_DEPTH
from submissions.instructor_v2.models import GradingTask
from submissions.models import ExternalGraderDetail, Score, ScoreAnnotation, Submission
from tests.hostile_json import ERROR_LEVEL, hostile_objects, hostile_texts, raw_object
from tests.instructor_v2.test_views import RESCORE, RESET, SCORES, STATE, assert_error

pytestmark = pytest.mark.django_db

BOMB = "[" * 100_000
DEEP = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
HUGE = "1" + "0" * 400
ENDPOINTS = [("post", RESET), ("delete", STATE), ("post", RESCORE), ("put", SCORES)]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.fixture
def state(users, make_state, settings):
    settings.SUBMISSIONS = {"INSTRUCTOR_GRADING_POLICY": "tests.instructor_v2.hooks.grading_policy"}
    make_state(users["learner"], submissions=2, score=7, grader=True)
    return users


def snapshot():
    return (
        tuple(ExternalGraderDetail.objects.order_by("pk").values_list("pk", "status", "only_if_higher")),
        tuple(Score.objects.order_by("pk").values_list("pk", "points_earned")),
        Submission.objects.count(),
        ScoreAnnotation.objects.count(),
        GradingTask.objects.count(),
    )


def errors(caplog):
    found = [record for record in caplog.records if record.levelno >= ERROR_LEVEL]
    caplog.clear()
    return found


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "raw",
    [
        BOMB,
        DEEP,
        raw_object(learner=DEEP),
        raw_object(learner='"alice"', score=HUGE),
        raw_object(only_if_higher=HUGE),
    ],
)
def test_bodies_beyond_the_bounds_are_400(client_for, state, caplog, method, path, raw):
    caplog.set_level(logging.INFO)
    before = snapshot()
    response = getattr(client_for(state["global"]), method)(path, raw, content_type="application/json")
    body = assert_error(response, 400, "INVALID_PARAMETER")
    assert body["message"].startswith("JSON parse error - ")
    assert snapshot() == before
    assert errors(caplog) == []


@pytest.mark.parametrize(
    ("score", "message"),
    [("1" + "0" * 299, "above the problem's maximum"), ("1e400", "finite number"), ("-1e400", "finite number")],
)
def test_override_scores_as_large_as_the_bounds_allow_are_400(client_for, state, caplog, score, message):
    before = snapshot()
    raw = raw_object(learner='"alice"', score=score)
    response = client_for(state["global"]).put(SCORES, raw, content_type="application/json")
    body = assert_error(response, 400, "INVALID_PARAMETER")
    assert message in body["field_errors"]["score"]
    assert snapshot() == before
    assert errors(caplog) == []


def test_fuzz_bodies_nesting_and_numbers(client_for, state, caplog):
    client = client_for(state["global"])
    keys = ["learner", "score", "new_score", "only_if_higher", "reason"]

    @FUZZ
    @given(
        endpoint=st.sampled_from(ENDPOINTS),
        raw=hostile_texts | hostile_objects(keys, {"learner": "alice"}),
    )
    def run(endpoint, raw):
        method, path = endpoint
        before = snapshot()
        response = getattr(client, method)(path, raw, content_type="application/json")
        assert response.status_code < 500, response.content[:300]
        assert errors(caplog) == []
        if response.status_code >= 400:
            assert set(response.json()) >= {"error", "message", "status_code"}
            assert snapshot() == before

    run()
