"""
Bad input for every write endpoint: 400 with field errors in the envelope and nothing half-written;
state conflicts: 409 (archived class, closed or draft assignment, past due, grading in progress).
"""

import datetime

import pytest
from django.utils import timezone

from tests.site.conftest import PYTHON_SUM, assignment_body


def _counts():
    from assignments.models import Assignment, Question, TestCase
    from classes.models import Class, Enrollment
    from coursework.models import CodeRun, Submission

    from submissions.models import ExternalGraderDetail, Score
    from submissions.models import Submission as LibrarySubmission

    models = [Class, Enrollment, Assignment, Question, TestCase, Submission, CodeRun, LibrarySubmission, Score]
    return {model.__name__ + model.__module__: model.objects.count() for model in models} | {
        "grader rows": ExternalGraderDetail.objects.count()
    }


def expect_400(response, fields):
    assert response.status_code == 400, response.content[:800]
    payload = response.json()
    assert payload["success"] is False and payload["message"]
    assert set(payload["errors"]) == set(fields), payload["errors"]
    return payload


def _question(**overrides):
    question = assignment_body(0)["questions"][0]
    return {**question, **overrides}


ASSIGNMENT_CASES = [
    ({"questions": []}, {"questions"}),
    ({"title": ""}, {"title"}),
    ({"due_at": "not a date"}, {"due_at"}),
    ({"due_at": "2001-01-01T00:00:00Z"}, {"due_at"}),
    ({"questions": [_question(language="cobol")]}, {"questions.0.language"}),
    ({"questions": [_question(test_cases=[])]}, {"questions.0.test_cases"}),
    ({"questions": [_question(points=0)]}, {"questions.0.points"}),
    ({"questions": [_question(), _question(title="")]}, {"questions.1.title"}),
    (
        {"questions": [_question(test_cases=[{"input": "1", "expected_output": "1", "points": 11}])]},
        {"questions.0.test_cases"},
    ),
    (
        {"questions": [_question(test_cases=[{"input": "1", "expected_output": "1", "points": 4}])]},
        {"questions.0.test_cases"},
    ),
    ({"questions": [_question(test_cases=[{"input": "1"}])]}, {"questions.0.test_cases.0.expected_output"}),
]


@pytest.mark.parametrize(("overrides", "fields"), ASSIGNMENT_CASES)
def test_create_assignment_bad_input(clients, course, overrides, fields):
    before = _counts()
    body = {**assignment_body(course["class"].pk), **overrides}
    expect_400(clients["owner"].post("/api/assignments/", body, format="json"), fields)
    assert _counts() == before


def test_create_assignment_unknown_or_missing_class(clients, course):
    expect_400(clients["owner"].post("/api/assignments/", assignment_body(987654), format="json"), {"class_id"})
    body = assignment_body(course["class"].pk)
    del body["class_id"], body["due_at"]
    expect_400(clients["owner"].post("/api/assignments/", body, format="json"), {"class_id", "due_at"})


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name"}),
        ({"name": ""}, {"name"}),
        ({"name": "x" * 201}, {"name"}),
        ({"name": "ok", "description": 5 * ["x"]}, {"description"}),
    ],
)
def test_create_class_bad_input(clients, people, body, fields):
    from classes.models import Class

    expect_400(clients["owner"].post("/api/classes/", body, format="json"), fields)
    assert not Class.objects.exists()


def test_join_bad_input(clients, course):
    url = f"/api/classes/{course['class'].pk}/join/"
    expect_400(clients["other_student"].post(url, {}, format="json"), {"join_code"})
    expect_400(clients["other_student"].post(url, {"join_code": "WRONGCODE"}, format="json"), {"join_code"})
    assert not course["class"].enrollments.filter(student__username="other_student").exists()
    assert (
        clients["other_student"].post("/api/classes/999999/join/", {"join_code": "X"}, format="json").status_code == 404
    )


CODE_CASES = [
    ({}, {"question_id", "code"}),
    ({"question_id": "abc", "code": PYTHON_SUM}, {"question_id"}),
    ({"question_id": 987654, "code": PYTHON_SUM}, {"question_id"}),
    ({"question_id": None, "code": "  \n"}, {"question_id", "code"}),
    ({"question_id": "QID", "code": "x" * 70_000}, {"code"}),
]


@pytest.mark.parametrize("path", ["/api/code/run/", "/api/submissions/submissions/"])
@pytest.mark.parametrize(("body", "fields"), CODE_CASES)
def test_code_endpoints_bad_input(clients, course, path, body, fields):
    body = {key: course["question"].pk if value == "QID" else value for key, value in body.items()}
    before = _counts()
    expect_400(clients["student"].post(path, body, format="json"), fields)
    assert _counts() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"assignment_id"}),
        ({"assignment_id": 1, "submission_id": 1}, {"assignment_id"}),
        ({"assignment_id": "x"}, {"assignment_id"}),
        ({"assignment_id": 987654}, {"assignment_id"}),
        ({"submission_id": 987654}, {"submission_id"}),
    ],
)
def test_run_autograder_bad_input(clients, course, body, fields):
    expect_400(clients["owner"].post("/api/grading/grading/run-autograder/", body, format="json"), fields)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"points"}),
        ({"points": -1}, {"points"}),
        ({"points": 11}, {"points"}),
        ({"points": "ten"}, {"points"}),
        ({"points": 2.5}, {"points"}),
        ({"points": 5, "comment": "x" * 5001}, {"comment"}),
    ],
)
def test_grade_bad_input_writes_no_score(clients, graded_submission, body, fields):
    from submissions import api

    before = api.get_latest_score_for_submission(str(graded_submission.library_uuid))
    url = f"/api/grading/submissions/{graded_submission.pk}/grade/"
    expect_400(clients["owner"].put(url, body, format="json"), fields)
    assert api.get_latest_score_for_submission(str(graded_submission.library_uuid)) == before


def test_unknown_ids_are_404(clients, course):
    owner = clients["owner"]
    assert owner.put("/api/grading/submissions/987654/grade/", {"points": 1}, format="json").status_code == 404
    assert owner.post("/api/grading/submissions/987654/publish/").status_code == 404
    assert owner.post("/api/assignments/987654/publish/").status_code == 404
    assert owner.post("/api/classes/987654/archive/").status_code == 404
    assert clients["student"].post("/api/notifications/987654/read/").status_code == 404
    assert owner.get("/api/submissions/submissions/987654/").json()["success"] is False


# -- 409: state conflicts --


def _conflict(response):
    assert response.status_code == 409, response.content[:500]
    assert response.json()["success"] is False and response.json()["errors"] == {}
    return response.json()["message"]


def _submit(clients, course):
    return clients["student"].post(
        "/api/submissions/submissions/", {"question_id": course["question"].pk, "code": PYTHON_SUM}, format="json"
    )


def test_submitting_to_a_closed_assignment_or_an_archived_class_or_past_due(clients, course):
    from assignments.models import Assignment
    from coursework.models import Submission

    Assignment.objects.filter(pk=course["assignment"].pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "due date" in _conflict(_submit(clients, course))
    Assignment.objects.filter(pk=course["assignment"].pk).update(due_at=None)
    assert clients["owner"].post(f"/api/classes/{course['class'].pk}/archive/").status_code == 200
    assert "archived" in _conflict(_submit(clients, course))
    assert "archived" in _conflict(clients["owner"].post(f"/api/classes/{course['class'].pk}/archive/"))
    assert "archived" in _conflict(
        clients["other_student"].post(
            f"/api/classes/{course['class'].pk}/join/", {"join_code": course["class"].join_code}, format="json"
        )
    )
    assert "archived" in _conflict(
        clients["owner"].post("/api/assignments/", assignment_body(course["class"].pk), format="json")
    )
    assert not Submission.objects.exists()


def test_assignment_state_conflicts(clients, course):
    url = f"/api/assignments/{course['assignment'].pk}"
    assert "published" in _conflict(clients["owner"].post(f"{url}/publish/"))
    assert clients["owner"].post(f"{url}/close/").json()["data"]["status"] == "closed"
    assert "closed" in _conflict(clients["owner"].post(f"{url}/close/"))
    assert "closed" in _conflict(_submit(clients, course))
    # a closed assignment can still be practised on: a run is not a submission
    course["question"].test_cases.update(hidden=True)
    run = clients["student"].post("/api/code/run/", {"question_id": course["question"].pk, "code": "x"}, format="json")
    assert run.status_code == 200


def test_grading_conflicts(clients, course, people):
    from coursework import services

    queued = services.submit(people["student"], course["question"], PYTHON_SUM)
    url = f"/api/grading/submissions/{queued.pk}"
    assert "still being graded" in _conflict(clients["owner"].put(f"{url}/grade/", {"points": 1}, format="json"))
    assert "still being graded" in _conflict(clients["owner"].post(f"{url}/publish/"))
