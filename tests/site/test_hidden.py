"""Hidden test data never reaches a student: not in assignments, submissions, code runs or pages."""

import json

import pytest

from tests.site.conftest import PYTHON_SUM, wait_for

SECRET_INPUT = "3\n9000000 137000 465\n"
SECRET_OUTPUT = "9137465\n"


def _hide_a_secret_case(course):
    from assignments.models import TestCase

    TestCase.objects.filter(question=course["question"], hidden=True).update(
        input=SECRET_INPUT, expected_output=SECRET_OUTPUT
    )


def _leaks(content):
    text = content.decode() if isinstance(content, bytes) else json.dumps(content)
    return [s for s in ("9000000 137000 465", "9137465") if s in text]


def test_no_hidden_case_in_any_student_response(clients, course, people, grade_in_queue, client):
    from coursework import services

    _hide_a_secret_case(course)
    submission = services.submit(people["student"], course["question"], PYTHON_SUM)
    detail = grade_in_queue(passed=(True, True, True))
    # the grader's reply carries the hidden case's output: the owner sees it, the student must not
    payload = json.loads(detail.grader_payload)
    assert payload["tests"][2]["hidden"] is True and payload["tests"][2]["expected_stdout"] == SECRET_OUTPUT
    from coursework.models import Submission

    row = Submission.objects.get(pk=submission.pk)
    row.results[2]["stdout"] = SECRET_OUTPUT
    row.save()
    assignment, question = course["assignment"], course["question"]
    student = clients["student"]
    responses = [
        student.get("/api/assignments/"),
        student.get(f"/api/assignments/{assignment.pk}/"),
        student.get("/api/submissions/submissions/"),
        student.get(f"/api/submissions/submissions/{submission.pk}/"),
    ]
    client.force_login(people["student"])
    responses += [
        client.get(f"/questions/{question.pk}/"),
        client.get(f"/submissions/{submission.pk}/"),
        client.get(f"/submissions/{submission.pk}/results/"),
        client.get(f"/assignments/{assignment.pk}/"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert not _leaks(response.content), response.request["PATH_INFO"]
    hidden = student.get(f"/api/submissions/submissions/{submission.pk}/").json()["data"]["results"][2]
    assert set(hidden) == {"name", "hidden", "passed", "status", "message", "points"}
    # the owner sees everything
    owner_view = clients["owner"].get(f"/api/submissions/submissions/{submission.pk}/").json()["data"]
    assert owner_view["results"][2]["stdout"] == SECRET_OUTPUT
    owner_assignment = clients["owner"].get(f"/api/assignments/{assignment.pk}/").content
    assert _leaks(owner_assignment)


def test_a_code_run_is_queued_with_the_visible_cases_only(course):
    """What ``run_code`` queues: a grader never runs (or echoes) a hidden case for a run (see also test_flow)."""
    _hide_a_secret_case(course)
    question = course["question"]
    run_payload = question.grader_payload(visible_only=True)
    assert not _leaks(run_payload) and len(json.loads(run_payload)["tests"]) == 2
    assert _leaks(question.grader_payload())  # the graded submission's payload has all three


@pytest.mark.django_db(transaction=True)
def test_a_program_echoing_its_hidden_input_shows_it_to_the_owner_only(
    reference_graders, clients, course, people, client
):
    """The real grader's reply carries every case's output (hidden ones marked): the site withholds them."""
    _hide_a_secret_case(course)
    echo = "import sys\ndata = sys.stdin.read()\nprint(data)\nprint(data, file=sys.stderr)\n"
    created = clients["student"].post(
        "/api/submissions/submissions/", {"question_id": course["question"].pk, "code": echo}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["data"]["id"]
    path = f"/api/submissions/submissions/{pk}/"

    def graded():
        data = clients["owner"].get(path).json()["data"]
        return data if data["status"] == "graded" else None

    owner_view = wait_for(graded, timeout=60)
    assert owner_view and [case["hidden"] for case in owner_view["results"]] == [False, False, True]
    assert SECRET_INPUT.split("\n")[1] in owner_view["results"][2]["stderr"]  # the owner sees what it printed
    client.force_login(people["student"])
    for response in (
        clients["student"].get(path),
        clients["student"].get("/api/submissions/submissions/"),
        client.get(f"/submissions/{pk}/"),
        client.get(f"/submissions/{pk}/results/"),
        client.get(f"/questions/{course['question'].pk}/"),
    ):
        assert response.status_code == 200
        assert not _leaks(response.content), response.request["PATH_INFO"]
