"""
Every endpoint fuzzed with hypothesis: missing, extra, oversized, non-JSON and wrong-type fields,
non-integer ids, unknown queues, odd content types and huge bodies; JSON nested around and beyond
``bounded_json.MAX_DEPTH`` and number literals of every size (ADR 0050). Each answer must be a clear
envelope error (never a 5xx, nothing logged at ERROR) and nothing may be written.
"""

import json

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions.bounded_json import MAX_NUMBER_LENGTH
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.models import Score, Submission
from tests.external_grader.xqueue.conftest import envelope, make_grader
from tests.external_grader.xqueue.test_endpoints import make_work
from tests.hostile_json import ERROR_LEVEL, hostile_objects, hostile_texts, long_numbers, raw_object

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
big_ints = st.integers(min_value=-(2**70), max_value=2**70)
texts = (
    st.text(max_size=60) | st.just("") | st.just("x" * 5000) | st.sampled_from(["\x00", "q\x00", "🙂", "' OR 1=1 --"])
)


def snapshot():
    """Everything a grader request could change."""
    rows = tuple(
        ExternalGraderDetail.objects.order_by("pk").values_list(
            "pk", "status", "pullkey", "num_failures", "grader_reply"
        )
    )
    return (
        rows,
        Score.objects.count(),
        Submission.objects.count(),
        ScoreEventDelivery.objects.count(),
        User.objects.count(),
    )


def check(response):
    assert response.status_code < 500, (response.status_code, response.content[:300])
    body = envelope(response)
    if response.status_code != 200:
        assert body["return_code"] == 1
    return body


@pytest.fixture
def world():
    """A grader session, a pulled row and a pending row in queue "q"."""
    grader = make_grader()
    client = Client()
    client.force_login(grader)
    make_work()
    make_work()
    response = client.get("/xqueue/get_submission/", {"queue_name": "q"})
    header = json.loads(json.loads(response.content)["content"])["xqueue_header"]
    return client, json.loads(header)["submission_id"]


def _header(submission_id, key):
    return json.dumps({"submission_id": submission_id, "submission_key": key})


def test_fuzz_put_result_form(world):
    client, real_id = world
    before = snapshot()
    ids = st.sampled_from([real_id]) | big_ints | texts | json_values
    headers = st.builds(_header, ids, texts | json_values) | texts | json_values.map(json.dumps)
    bodies = (
        texts
        | json_values.map(json.dumps)
        | st.fixed_dictionaries(
            {"correct": json_values, "score": json_values | st.floats(-10, 10), "msg": json_values}
        ).map(json.dumps)
    )

    @FUZZ
    @given(
        header=st.none() | headers,
        body=st.none() | bodies,
        extra=st.dictionaries(st.text(min_size=1, max_size=10), texts, max_size=3),
    )
    def run(header, body, extra):
        data = dict(extra)
        if header is not None:
            data["xqueue_header"] = header
        if body is not None:
            data["xqueue_body"] = body
        response = client.post("/xqueue/put_result/", data)
        result = check(response)
        assert result["return_code"] == 1  # no example carries the row's key
        assert snapshot() == before

    run()


def test_fuzz_put_result_raw_bodies(world):
    client, real_id = world
    before = snapshot()
    content_types = st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xx", "text/plain", ""]
    )

    @FUZZ
    @given(
        raw=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
        content_type=content_types,
    )
    def run(raw, content_type):
        response = client.generic("POST", "/xqueue/put_result/", raw, content_type=content_type)
        check(response)
        assert snapshot() == before

    run()


@pytest.mark.parametrize("path", ["/xqueue/get_submission/", "/xqueue/get_queuelen/"])
def test_fuzz_queue_endpoints(world, path):
    client, _ = world
    before = snapshot()

    @FUZZ
    @given(
        name=st.none() | texts.filter(lambda s: s != "q"),
        extra=st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k != "queue_name"), texts, max_size=3),
    )
    def run(name, extra):
        params = dict(extra)
        if name is not None:
            params["queue_name"] = name
        body = check(client.get(path, params))
        assert body["return_code"] == 1
        assert snapshot() == before

    run()


def test_fuzz_login(world):
    before_sessions = Session.objects.count()
    before = snapshot()

    @FUZZ
    @given(
        payload=st.dictionaries(st.sampled_from(["username", "password", "other"]), texts, max_size=3)
        | json_values.map(lambda v: {"__json__": v}),
    )
    def run(payload):
        client = Client(REMOTE_ADDR="192.0.2.1")
        if "__json__" in payload:
            response = client.post("/xqueue/login/", json.dumps(payload["__json__"]), "application/json")
        else:
            response = client.post("/xqueue/login/", payload)
        body = check(response)
        assert response.status_code in (400, 401, 429)
        assert body["return_code"] == 1
        assert snapshot() == before
        assert Session.objects.count() == before_sessions

    run()


@pytest.mark.parametrize("path", ["/xqueue/logout/", "/xqueue/status/"])
def test_fuzz_public_endpoints(db, path):
    @FUZZ
    @given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]), raw=st.binary(max_size=200))
    def run(method, raw):
        response = Client().generic(method, path, raw, content_type="application/json")
        check(response)
        assert response.status_code in (200, 405)

    run()


@pytest.mark.parametrize("path", ["/xqueue/put_result/", "/xqueue/login/"])
def test_huge_bodies(world, path):
    client, real_id = world
    before = snapshot()
    huge = "x" * (3 * 1024 * 1024)  # above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
    form = client.post(path, {"xqueue_header": _header(real_id, huge), "xqueue_body": huge, "username": huge})
    as_json = client.post(path, json.dumps({"xqueue_header": huge, "xqueue_body": huge}), "application/json")
    many = client.post(path, "&".join(f"f{n}=1" for n in range(5000)), "application/x-www-form-urlencoded")
    for response in (form, as_json, many):
        assert response.status_code == 400, response.content[:200]
        assert envelope(response)["return_code"] == 1
    assert snapshot() == before


def test_huge_query_string(world):
    client, _ = world
    response = client.get("/xqueue/get_submission/", {"queue_name": "q" * 100_000})
    assert response.status_code == 404
    assert envelope(response)["return_code"] == 1


# -- nesting depth and number size (issue 14 point 3, ADR 0050) --


def _no_errors(caplog):
    errors = [record for record in caplog.records if record.levelno >= ERROR_LEVEL]
    caplog.clear()
    return errors == []


def test_fuzz_login_nesting_and_numbers(world, caplog):
    before_sessions = Session.objects.count()
    before = snapshot()

    @FUZZ
    @given(raw=hostile_texts | hostile_objects(["username", "password"], {"username": "grader", "password": "pw"}))
    def run(raw):
        response = Client(REMOTE_ADDR="192.0.2.2").post("/xqueue/login/", raw, "application/json")
        body = check(response)
        assert response.status_code in (400, 401, 429)
        assert body["return_code"] == 1
        assert snapshot() == before
        assert Session.objects.count() == before_sessions
        assert _no_errors(caplog)

    run()


def test_fuzz_put_result_nesting_and_numbers(world, caplog):
    client, real_id = world
    before = snapshot()
    header_keys = ["submission_id", "submission_key", "extra"]
    body_keys = ["correct", "score", "msg"]
    headers = hostile_texts | hostile_objects(header_keys, {"submission_id": real_id, "submission_key": "wrong-key"})
    bodies = hostile_texts | hostile_objects(body_keys, {"correct": True, "score": 1, "msg": "ok"})

    @FUZZ
    @given(header=headers, body=bodies, as_json=st.booleans())
    def run(header, body, as_json):
        if as_json:  # the header as a JSON object inside a JSON request body, the body as its string
            raw = raw_object(xqueue_header=header, xqueue_body=json.dumps(body))
            response = client.post("/xqueue/put_result/", raw, "application/json")
        else:
            response = client.post("/xqueue/put_result/", {"xqueue_header": header, "xqueue_body": body})
        result = check(response)
        assert response.status_code in (400, 403, 404, 409), response.content[:200]  # 409: the wrong key
        assert result["return_code"] == 1
        assert snapshot() == before
        assert _no_errors(caplog)

    run()


def test_fuzz_put_result_scores(world, caplog):
    """Scores of every size with the row's real key: recorded only within 0..1, else a 400 with nothing written."""
    client, real_id = world
    row = ExternalGraderDetail.objects.get(submission_id=real_id)
    header = _header(real_id, row.pullkey)
    before = snapshot()

    @FUZZ
    @given(score=long_numbers.filter(lambda text: not 0 <= float(text) <= 1 or len(text) > MAX_NUMBER_LENGTH))
    def run(score):
        body = raw_object(correct="false", score=score, msg='"x"')
        response = client.post("/xqueue/put_result/", {"xqueue_header": header, "xqueue_body": body})
        assert response.status_code == 400, response.content[:200]
        assert envelope(response) == {"return_code": 1, "content": "Incorrect reply format"}
        assert snapshot() == before
        assert _no_errors(caplog)

    run()
