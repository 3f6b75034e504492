"""get_queuelen/, get_submission/ and put_result/: every status row of spec §5.4–5.6, content formats, queue rights."""

import json
import re

import pytest
from django.db import DatabaseError, connection
from django.db.models.signals import pre_save
from django.test import Client

from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.queue import create_external_grader_detail
from submissions.external_grader.states import Status
from submissions.models import Score
from tests.external_grader.helpers import locked_elsewhere
from tests.external_grader.xqueue.conftest import envelope, make_grader

pytestmark = pytest.mark.django_db

_counter = iter(range(1, 10**6))


def make_work(queue="q", answer="print('hi')", points_possible=1, **extra):
    n = next(_counter)
    item = {
        "student_id": f"anon-{n}",
        "course_id": "course-v1:org+c+r",
        "item_id": f"block-{n}",
        "item_type": "problem",
    }
    create_external_grader_detail(item, answer, queue, f"lms-key-{n}", "grader.py", points_possible, **extra)
    return ExternalGraderDetail.objects.select_related("submission__student_item").get(
        submission__student_item__student_id=item["student_id"]
    )


def pull(client, queue="q"):
    response = client.get("/xqueue/get_submission/", {"queue_name": queue})
    body = envelope(response)
    assert response.status_code == 200 and body["return_code"] == 0, body
    return json.loads(body["content"])


def reply(client, header, result, **kwargs):
    body = result if isinstance(result, str) else json.dumps(result)
    return client.post("/xqueue/put_result/", {"xqueue_header": header, "xqueue_body": body}, **kwargs)


GOOD = {"correct": True, "score": 1, "msg": "<p>ok</p>"}


# -- get_queuelen --


@pytest.mark.parametrize("params", [{}, {"queue_name": ""}])
def test_queuelen_missing_name(grader_client, params):
    response = grader_client.get("/xqueue/get_queuelen/", params)
    assert response.status_code == 400
    assert envelope(response) == {"return_code": 1, "content": "'get_queuelen' must provide parameter 'queue_name'"}


def test_queuelen_unknown_queue(grader_client):
    response = grader_client.get("/xqueue/get_queuelen/", {"queue_name": "nope"})
    assert response.status_code == 404
    assert envelope(response) == {"return_code": 1, "content": "Queue 'nope' not found"}


def test_queuelen_counts_pullable_rows(grader_client):
    make_work()
    make_work()
    body = envelope(grader_client.get("/xqueue/get_queuelen/", {"queue_name": "q"}))
    assert body == {"return_code": 0, "content": 2}  # an integer, as legacy XQueue
    pull(grader_client)
    assert envelope(grader_client.get("/xqueue/get_queuelen/", {"queue_name": "q"}))["content"] == 1


# -- get_submission --


@pytest.mark.parametrize("params", [{}, {"queue_name": ""}])
def test_get_submission_missing_name(grader_client, params):
    response = grader_client.get("/xqueue/get_submission/", params)
    assert response.status_code == 400
    assert envelope(response) == {"return_code": 1, "content": "'get_submission' must provide parameter 'queue_name'"}


@pytest.mark.parametrize("name", ["nope", "x" * 129, "bad\x00name", "tab\tname"])
def test_get_submission_unknown_queue(grader_client, name):
    make_work()
    response = grader_client.get("/xqueue/get_submission/", {"queue_name": name})
    assert response.status_code == 404
    assert envelope(response)["return_code"] == 1
    if name == "nope":
        assert envelope(response)["content"] == "Queue 'nope' not found"


def test_get_submission_empty_queue(grader_client):
    make_work()
    pull(grader_client)
    response = grader_client.get("/xqueue/get_submission/", {"queue_name": "q"})
    assert response.status_code == 200
    assert envelope(response) == {"return_code": 1, "content": "Queue 'q' is empty"}


def test_get_submission_content_is_legacy_strings(grader_client):
    detail = make_work(answer="x = 1", points_possible=3)
    response = grader_client.get("/xqueue/get_submission/", {"queue_name": "q"})
    assert response.status_code == 200
    raw = response.content.decode()
    assert raw.startswith('{"return_code": 0, "content": "')  # json.dumps separators, as legacy replies
    body = envelope(response)
    assert isinstance(body["content"], str)
    content = json.loads(body["content"])
    assert set(content) == {"xqueue_header", "xqueue_body", "xqueue_files"}
    assert all(isinstance(value, str) for value in content.values())
    detail = ExternalGraderDetail.objects.select_related("submission__student_item").get(pk=detail.pk)
    header = json.loads(content["xqueue_header"])
    assert header == {"submission_id": detail.submission_id, "submission_key": detail.pullkey}
    assert isinstance(header["submission_id"], int)
    submission = detail.submission
    expected_info = json.dumps(
        {
            "anonymous_student_id": submission.student_item.student_id,
            "submission_time": submission.submitted_at.strftime("%Y%m%d%H%M%S"),
            "random_seed": 1,
        }
    )
    expected_body = json.dumps(
        {
            "grader_payload": json.dumps({"grader": "grader.py"}),
            "student_info": expected_info,
            "student_response": "x = 1",
        }
    )
    assert content["xqueue_body"] == expected_body  # byte for byte
    assert re.fullmatch(r"\d{14}", json.loads(json.loads(content["xqueue_body"])["student_info"])["submission_time"])
    assert content["xqueue_files"] == "{}"
    expected_content = json.dumps(
        {"xqueue_header": content["xqueue_header"], "xqueue_body": expected_body, "xqueue_files": "{}"}
    )
    assert body["content"] == expected_content


def test_get_submission_forwards_lms_originals(grader_client):
    payload = '{"grader": "ps1/grade.py", "tests": [1, 2]}'
    info = '{"anonymous_student_id": "abc", "submission_time": "20261122010203", "random_seed": 42}'
    make_work(grader_payload=payload, student_info=info)
    body = json.loads(pull(grader_client)["xqueue_body"])
    assert body["grader_payload"] == payload
    assert body["student_info"] == info


def test_get_submission_file_urls_are_absolute(grader_client):
    pytest.importorskip("submissions.external_grader.file_views")
    make_work(files={"main.py": b"print(1)\n"})
    files = json.loads(pull(grader_client)["xqueue_files"])
    assert list(files) == ["main.py"]
    url = files["main.py"]
    assert url.startswith("http://testserver/xqueue/files/")
    anonymous = Client()
    download = anonymous.get(url.removeprefix("http://testserver"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == b"print(1)\n"


def test_each_pull_hands_out_a_different_row(grader_client):
    first, second = make_work(), make_work()
    ids = {json.loads(pull(grader_client)["xqueue_header"])["submission_id"] for _ in range(2)}
    assert ids == {first.submission_id, second.submission_id}


# -- put_result --


BAD_REPLIES = [
    {},
    {"xqueue_header": "{}"},
    {"xqueue_body": json.dumps(GOOD)},
    {"xqueue_header": "not json", "xqueue_body": json.dumps(GOOD)},
    {"xqueue_header": "[1, 2]", "xqueue_body": json.dumps(GOOD)},
    {"xqueue_header": '{"submission_key": "k"}', "xqueue_body": json.dumps(GOOD)},
    {"xqueue_header": '{"submission_id": "abc", "submission_key": "k"}', "xqueue_body": json.dumps(GOOD)},
    {"xqueue_header": '{"submission_id": 1.5, "submission_key": "k"}', "xqueue_body": json.dumps(GOOD)},
    {"xqueue_header": '{"submission_id": true, "submission_key": "k"}', "xqueue_body": json.dumps(GOOD)},
    {"xqueue_header": '{"submission_id": 1}', "xqueue_body": json.dumps(GOOD)},
    {"xqueue_header": '{"submission_id": 1, "submission_key": 7}', "xqueue_body": json.dumps(GOOD)},
]


@pytest.mark.parametrize("data", BAD_REPLIES)
def test_put_result_malformed_header(grader_client, data):
    response = grader_client.post("/xqueue/put_result/", data)
    assert response.status_code == 400
    assert envelope(response) == {"return_code": 1, "content": "Incorrect reply format"}


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1]",
        '"a string"',
        json.dumps({"correct": True, "msg": ""}),
        json.dumps({"correct": True, "score": "1", "msg": ""}),
        json.dumps({"correct": True, "score": 1.5, "msg": ""}),
        json.dumps({"correct": True, "score": -0.1, "msg": ""}),
        json.dumps({"correct": True, "score": None, "msg": ""}),
        json.dumps({"score": 1, "msg": ""}),
        json.dumps({"correct": True, "score": 1}),
        '{"correct": true, "score": NaN, "msg": ""}',
    ],
)
def test_put_result_malformed_body_writes_nothing(grader_client, body):
    make_work()
    header = pull(grader_client)["xqueue_header"]
    response = reply(grader_client, header, body)
    assert response.status_code == 400
    assert envelope(response) == {"return_code": 1, "content": "Incorrect reply format"}
    assert Score.objects.count() == 0
    assert ExternalGraderDetail.objects.get().status == Status.PULLED


@pytest.mark.parametrize("submission_id", [999999, 2**31, 2**63, 0, -5])
def test_put_result_unknown_submission(grader_client, submission_id):
    header = json.dumps({"submission_id": submission_id, "submission_key": "k"})
    response = reply(grader_client, header, GOOD)
    assert response.status_code == 404
    assert envelope(response) == {"return_code": 1, "content": "Submission does not exist"}


def test_put_result_accepted_scales_half_up(grader_client):
    detail = make_work(points_possible=3)
    header = pull(grader_client)["xqueue_header"]
    result = json.dumps({"correct": False, "score": 0.5, "msg": "<p>half</p>"})
    response = reply(grader_client, header, result)
    assert response.status_code == 200
    assert envelope(response) == {"return_code": 0, "content": ""}
    detail = ExternalGraderDetail.objects.select_related("submission__student_item").get(pk=detail.pk)
    assert detail.status == Status.RETIRED
    assert detail.grader_reply == result
    score = Score.objects.get()
    assert (score.points_earned, score.points_possible) == (2, 3)
    assert ScoreEventDelivery.objects.filter(external_grader=detail).count() == 1


def test_put_result_json_request_body(grader_client):
    make_work()
    header = pull(grader_client)["xqueue_header"]
    data = json.dumps({"xqueue_header": header, "xqueue_body": json.dumps(GOOD)})
    response = grader_client.post("/xqueue/put_result/", data, "application/json")
    assert response.status_code == 200, response.content
    assert Score.objects.count() == 1


def test_put_result_exact_duplicate_is_a_noop(grader_client):
    make_work()
    header = pull(grader_client)["xqueue_header"]
    assert reply(grader_client, header, GOOD).status_code == 200
    again = reply(grader_client, header, GOOD)
    assert again.status_code == 200
    assert envelope(again) == {"return_code": 0, "content": ""}
    assert Score.objects.count() == 1
    assert ScoreEventDelivery.objects.count() == 1


def test_put_result_different_reply_on_retired_row(grader_client):
    make_work()
    header = pull(grader_client)["xqueue_header"]
    assert reply(grader_client, header, GOOD).status_code == 200
    other = reply(grader_client, header, {"correct": False, "score": 0, "msg": "no"})
    assert other.status_code == 409
    assert envelope(other) == {"return_code": 1, "content": "Incorrect key for submission"}
    assert Score.objects.count() == 1


def test_put_result_wrong_key(grader_client):
    detail = make_work()
    header = json.loads(pull(grader_client)["xqueue_header"])
    forged = json.dumps({"submission_id": header["submission_id"], "submission_key": "not-the-key"})
    response = reply(grader_client, forged, GOOD)
    assert response.status_code == 409
    assert envelope(response) == {"return_code": 1, "content": "Incorrect key for submission"}
    detail = ExternalGraderDetail.objects.select_related("submission__student_item").get(pk=detail.pk)
    assert detail.status == Status.PULLED and Score.objects.count() == 0


def test_put_result_for_row_never_handed_out(grader_client):
    detail = make_work()
    header = json.dumps({"submission_id": detail.submission_id, "submission_key": "guess"})
    assert reply(grader_client, header, GOOD).status_code == 409


def test_late_reply_after_reserve_is_rejected(grader_client, settings):
    settings.SUBMISSIONS = {"PROCESSING_DELAY": 0}
    make_work()
    old_header = pull(grader_client)["xqueue_header"]
    new_header = pull(grader_client)["xqueue_header"]  # stale: re-served with a new key
    assert json.loads(old_header)["submission_key"] != json.loads(new_header)["submission_key"]
    late = reply(grader_client, old_header, GOOD)
    assert late.status_code == 409
    assert envelope(late)["content"] == "Incorrect key for submission"
    assert reply(grader_client, new_header, GOOD).status_code == 200
    assert reply(grader_client, old_header, GOOD).status_code == 409
    assert Score.objects.count() == 1


def test_internal_error_is_500_envelope_and_requeues(grader_client):
    detail = make_work()
    header = pull(grader_client)["xqueue_header"]

    def disk_full(sender, **kwargs):
        raise DatabaseError("could not extend file: No space left on device")

    pre_save.connect(disk_full, sender=Score, dispatch_uid="test-disk-full")
    try:
        response = reply(grader_client, header, GOOD)
    finally:
        pre_save.disconnect(dispatch_uid="test-disk-full", sender=Score)
    assert response.status_code == 500
    assert envelope(response) == {"return_code": 1, "content": "Internal server error"}
    detail = ExternalGraderDetail.objects.select_related("submission__student_item").get(pk=detail.pk)
    assert detail.status == Status.RETRY and detail.num_failures == 1
    assert Score.objects.count() == 0 and ScoreEventDelivery.objects.count() == 0


# -- per-queue authorization --


def test_grader_restricted_to_its_queues(settings):
    settings.SUBMISSIONS = {"GRADER_QUEUES": {"grader-a": ["a"]}}
    grader_a = Client()
    grader_a.force_login(make_grader(username="grader-a"))
    grader_b = Client()
    grader_b.force_login(make_grader(username="grader-b"))  # not listed: every queue
    make_work(queue="a")
    make_work(queue="b")
    for path in ("/xqueue/get_submission/", "/xqueue/get_queuelen/"):
        refused = grader_a.get(path, {"queue_name": "b"})
        assert refused.status_code == 403
        assert envelope(refused) == {"return_code": 1, "content": "User is not authorised to use queue 'b'"}
    header_b = pull(grader_b, "b")["xqueue_header"]
    refused = reply(grader_a, header_b, GOOD)
    assert refused.status_code == 403
    assert Score.objects.count() == 0
    header_a = pull(grader_a, "a")["xqueue_header"]
    assert reply(grader_a, header_a, GOOD).status_code == 200
    assert reply(grader_b, header_b, GOOD).status_code == 200


# -- a row locked by a concurrent request --


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_put_result_on_locked_row_is_409():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks")
    grader = make_grader()
    c = Client()
    c.force_login(grader)
    detail = make_work()
    header = pull(c)["xqueue_header"]
    with locked_elsewhere(detail.pk):
        response = reply(c, header, GOOD)
    assert response.status_code == 409
    assert envelope(response) == {"return_code": 1, "content": "Submission is currently being processed"}
    assert Score.objects.count() == 0
    assert reply(c, header, GOOD).status_code == 200


@pytest.mark.urls("tests.projects.dropin_urls")
def test_file_urls_under_the_dropin_urlconf(grader_client):
    """The 4.x mount (no namespace) still builds and serves signed file URLs."""
    make_work(files={"data.txt": b"42\n"})
    files = json.loads(pull(grader_client)["xqueue_files"])
    url = files["data.txt"]
    assert url.startswith("http://testserver/xqueue/files/")
    download = Client().get(url.removeprefix("http://testserver"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == b"42\n"
