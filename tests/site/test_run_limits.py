"""Code runs are limited per user (in flight and per minute): 429 in the envelope with Retry-After, nothing written."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.site.conftest import PYTHON_SUM


def _run(client, question):
    return client.post("/api/code/run/", {"question_id": question.pk, "code": PYTHON_SUM}, format="json")


def _counts():
    from coursework.models import CodeRun

    from submissions.external_grader import queue

    return CodeRun.objects.count(), queue.queue_length("runs")


@override_settings(CODE_RUNS_IN_FLIGHT=2, CODE_RUNS_PER_MINUTE=0)
def test_runs_waiting_for_the_grader_are_limited_per_user(clients, people, course):
    from coursework import runs

    question = course["question"]
    for _ in range(2):  # two runs waiting for a grader (none is running here)
        runs.start_run(people["student"], question, PYTHON_SUM)
    before = _counts()
    refused = _run(clients["student"], question)
    assert refused.status_code == 429
    body = refused.json()
    assert body["success"] is False and body["errors"] == {}
    assert "2 code run(s) waiting" in body["message"] and refused["Retry-After"] == "1"
    assert _counts() == before == (2, 2)  # nothing written, nothing queued
    # another user's runs are theirs: the owner runs at once (here: queued, with nobody to answer)
    runs.start_run(people["owner"], question, PYTHON_SUM)
    # a run still queued after ten minutes was abandoned by its web process: it no longer counts
    from coursework.models import CodeRun

    CodeRun.objects.filter(user=people["student"]).update(created_at=timezone.now() - datetime.timedelta(minutes=11))
    runs.start_run(people["student"], question, PYTHON_SUM)


@override_settings(CODE_RUNS_IN_FLIGHT=0, CODE_RUNS_PER_MINUTE=3)
def test_runs_started_in_a_minute_are_limited_per_user(clients, people, course):
    from coursework.models import CodeRun

    question = course["question"]
    question.test_cases.update(hidden=True)  # nothing to run: each run answers at once, none stays in flight
    assert [_run(clients["student"], question).status_code for _ in range(3)] == [200, 200, 200]
    refused = _run(clients["student"], question)
    assert refused.status_code == 429 and "At most 3 code runs a minute" in refused.json()["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert CodeRun.objects.filter(user=people["student"]).count() == 3
    assert _run(clients["owner"], question).status_code == 200  # per user
    CodeRun.objects.filter(user=people["student"]).update(created_at=timezone.now() - datetime.timedelta(seconds=61))
    assert _run(clients["student"], question).status_code == 200  # the minute has passed


@override_settings(CODE_RUNS_IN_FLIGHT=0, CODE_RUNS_PER_MINUTE=0)
def test_zero_means_no_limit(clients, course):
    course["question"].test_cases.update(hidden=True)
    assert {_run(clients["student"], course["question"]).status_code for _ in range(25)} == {200}


@pytest.mark.django_db
def test_the_question_page_shows_the_refusal(client, people, course):
    from coursework import runs

    with override_settings(CODE_RUNS_IN_FLIGHT=1):
        runs.start_run(people["student"], course["question"], PYTHON_SUM)
        client.force_login(people["student"])
        page = client.post(f"/questions/{course['question'].pk}/", {"code": PYTHON_SUM, "action": "run"})
    assert page.status_code == 200
    assert "1 code run(s) waiting for the grader" in page.content.decode()
