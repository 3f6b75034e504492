"""
Issue 14 point 3 on the grader interface: JSON nested beyond ``bounded_json.MAX_DEPTH`` (``'[' * 100000`` raised
``RecursionError``) or a number literal beyond ``MAX_NUMBER_LENGTH`` (a score of 1 and 400 zeros raised
``OverflowError`` in ``math.isfinite``) on ``login/`` and ``put_result/`` (form fields and JSON request bodies): a
400 in the XQueue envelope, nothing written, nothing logged at ERROR (ADR 0050).
"""

import json
import logging

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from submissions.bounded_json import MAX_DEPTH, MAX_NUMBER_LENGTH
from submissions.errors import GraderReplyError
from submissions.external_grader.queue import parse_reply
from tests.external_grader.xqueue.conftest import envelope
from tests.external_grader.xqueue.test_endpoints import GOOD, make_work, pull
from tests.external_grader.xqueue.test_fuzz import snapshot
from tests.hostile_json import raw_object

pytestmark = pytest.mark.django_db

BOMB = "[" * 100_000
DEEP = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
HUGE = "1" + "0" * 400  # the score
INCORRECT_REPLY = {"return_code": 1, "content": "Incorrect reply format"}


@pytest.fixture
def no_errors(caplog):
    """Fails the test if anything was logged at ERROR or above (a 500 logs through django.request too)."""
    caplog.set_level(logging.INFO)
    yield
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("raw", [BOMB, DEEP, raw_object(username=DEEP, password='"p"'), raw_object(username=HUGE)])
def test_login_json_body_beyond_the_bounds_is_400(db, no_errors, raw):
    sessions = Session.objects.count()
    response = Client().post("/xqueue/login/", raw, "application/json")
    assert response.status_code == 400, response.content[:200]
    assert envelope(response) == {"return_code": 1, "content": "Insufficient login info"}
    assert Session.objects.count() == sessions


def _pulled_header(grader_client):
    make_work()
    return pull(grader_client)["xqueue_header"]


def _body(score):
    return raw_object(correct="true", score=score, msg='"<p>ok</p>"')


@pytest.mark.parametrize(
    "field, value",
    [
        ("xqueue_header", BOMB),
        ("xqueue_header", raw_object(submission_id="1", submission_key='"k"', x=DEEP)),
        ("xqueue_header", raw_object(submission_id=HUGE, submission_key='"k"')),
        ("xqueue_body", BOMB),
        ("xqueue_body", raw_object(correct="true", score="1", msg=DEEP)),
        ("xqueue_body", _body(HUGE)),
        ("xqueue_body", _body("1" * (MAX_NUMBER_LENGTH + 1))),
        ("xqueue_body", _body("1." + "0" * 400)),
    ],
)
def test_put_result_form_fields_beyond_the_bounds_are_400(grader_client, no_errors, field, value):
    data = {"xqueue_header": _pulled_header(grader_client), "xqueue_body": json.dumps(GOOD), field: value}
    before = snapshot()
    response = grader_client.post("/xqueue/put_result/", data)
    assert response.status_code == 400, response.content[:200]
    assert envelope(response) == INCORRECT_REPLY
    assert snapshot() == before


@pytest.mark.parametrize("score", ["1" + "0" * (MAX_NUMBER_LENGTH - 1), "1e400", "-1e400", "1" + "0" * 308])
def test_scores_as_large_as_the_bounds_allow_are_400(grader_client, no_errors, score):
    """Within the literal bound but outside 0..1, or infinite as a float: refused like any bad score."""
    header = _pulled_header(grader_client)
    before = snapshot()
    response = grader_client.post("/xqueue/put_result/", {"xqueue_header": header, "xqueue_body": _body(score)})
    assert response.status_code == 400
    assert envelope(response) == INCORRECT_REPLY
    assert snapshot() == before


def test_put_result_json_request_body_beyond_the_bounds_is_400(grader_client, no_errors):
    header = _pulled_header(grader_client)
    before = snapshot()
    bodies = [
        BOMB,
        raw_object(xqueue_header=DEEP, xqueue_body='"{}"'),
        raw_object(xqueue_header=raw_object(submission_id=HUGE, submission_key='"k"'), xqueue_body='"{}"'),
        json.dumps({"xqueue_header": header, "xqueue_body": _body(HUGE)}),
        json.dumps({"xqueue_header": header, "xqueue_body": BOMB}),
    ]
    for raw in bodies:
        response = grader_client.post("/xqueue/put_result/", raw, "application/json")
        assert response.status_code == 400, (raw[:80], response.content[:200])
        assert envelope(response) == INCORRECT_REPLY
    assert snapshot() == before
    # the same request within the bounds is recorded
    within = json.dumps({"xqueue_header": header, "xqueue_body": json.dumps(GOOD)})
    response = grader_client.post("/xqueue/put_result/", within, "application/json")
    assert response.status_code == 200, response.content


def test_a_reply_at_the_depth_limit_is_recorded(grader_client, no_errors):
    header = _pulled_header(grader_client)
    msg = "[" * (MAX_DEPTH - 1) + '"ok"' + "]" * (MAX_DEPTH - 1)  # the body object is the first level
    response = grader_client.post(
        "/xqueue/put_result/", {"xqueue_header": header, "xqueue_body": _body("1").replace('"<p>ok</p>"', msg)}
    )
    assert response.status_code == 200, response.content


def test_the_service_refuses_a_decoded_reply_with_a_huge_integer_score():
    """``put_result``'s Python callers may pass the reply as a dict: its int score must not overflow either."""
    with pytest.raises(GraderReplyError) as raised:
        parse_reply({"correct": True, "score": 10**400, "msg": ""})
    assert raised.value.field_errors == {"score": "outside 0..1"}
