"""
The permissions matrix: every endpoint of the contract × anonymous, the class owner, another teacher, the
enrolled student and a student of another class, with the status each must get (always in the envelope).
Endpoints for "anyone" (register, login, refresh) are covered in test_auth.py.
"""

import pytest

from tests.site.conftest import PYTHON_SUM, assignment_body

ACTORS = ["anonymous", "owner", "other_teacher", "student", "other_student"]


def _draft(course, people):
    from assignments import services
    from assignments.serializers import AssignmentInSerializer

    data = AssignmentInSerializer(data=assignment_body(course["class"].pk, title="Draft"))
    data.is_valid(raise_exception=True)
    return services.create_assignment(people["owner"], data.validated_data)


def _notification(people, **_):
    from notifications.services import notify

    return notify(people["student"], "grade_published", "Your grade is published.")


def _hidden_only_question(course):
    """Same class, only hidden cases: a permitted run answers at once, without a grader."""
    question = course["question"]
    question.test_cases.update(hidden=True)
    return question


# (name, method, path builder, body builder, {actor: expected status})
ENDPOINTS = [
    ("me", "get", lambda f: "/api/auth/me/", None, dict.fromkeys(ACTORS[1:], 200)),
    (
        "create class",
        "post",
        lambda f: "/api/classes/",
        lambda f: {"name": "New", "description": ""},
        {"owner": 201, "other_teacher": 201, "student": 403, "other_student": 403},
    ),
    ("list classes", "get", lambda f: "/api/classes/", None, dict.fromkeys(ACTORS[1:], 200)),
    (
        "join class",
        "post",
        lambda f: f"/api/classes/{f['course']['class'].pk}/join/",
        lambda f: {"join_code": f["course"]["class"].join_code},
        {"owner": 403, "other_teacher": 403, "student": 200, "other_student": 200},
    ),
    (
        "archive class",
        "post",
        lambda f: f"/api/classes/{f['course']['class'].pk}/archive/",
        None,
        {"owner": 200, "other_teacher": 403, "student": 403, "other_student": 403},
    ),
    (
        "create assignment",
        "post",
        lambda f: "/api/assignments/",
        lambda f: assignment_body(f["course"]["class"].pk),
        {"owner": 201, "other_teacher": 403, "student": 403, "other_student": 403},
    ),
    ("list assignments", "get", lambda f: "/api/assignments/", None, dict.fromkeys(ACTORS[1:], 200)),
    (
        "read assignment",
        "get",
        lambda f: f"/api/assignments/{f['course']['assignment'].pk}/",
        None,
        {"owner": 200, "other_teacher": 404, "student": 200, "other_student": 404},
    ),
    (
        "publish assignment",
        "post",
        lambda f: f"/api/assignments/{_draft(f['course'], f['people']).pk}/publish/",
        None,
        {"owner": 200, "other_teacher": 403, "student": 403, "other_student": 403},
    ),
    (
        "close assignment",
        "post",
        lambda f: f"/api/assignments/{f['course']['assignment'].pk}/close/",
        None,
        {"owner": 200, "other_teacher": 403, "student": 403, "other_student": 403},
    ),
    (
        "run code",
        "post",
        lambda f: "/api/code/run/",
        lambda f: {"question_id": _hidden_only_question(f["course"]).pk, "code": PYTHON_SUM},
        {"owner": 200, "other_teacher": 403, "student": 200, "other_student": 403},
    ),
    (
        "submit",
        "post",
        lambda f: "/api/submissions/submissions/",
        lambda f: {"question_id": f["course"]["question"].pk, "code": PYTHON_SUM},
        {"owner": 403, "other_teacher": 403, "student": 201, "other_student": 403},
    ),
    ("list submissions", "get", lambda f: "/api/submissions/submissions/", None, dict.fromkeys(ACTORS[1:], 200)),
    (
        "read submission",
        "get",
        lambda f: f"/api/submissions/submissions/{f['graded'].pk}/",
        None,
        {"owner": 200, "other_teacher": 404, "student": 200, "other_student": 404},
    ),
    (
        "run autograder",
        "post",
        lambda f: "/api/grading/grading/run-autograder/",
        lambda f: {"assignment_id": f["course"]["assignment"].pk},
        {"owner": 202, "other_teacher": 403, "student": 403, "other_student": 403},
    ),
    (
        "grade",
        "put",
        lambda f: f"/api/grading/submissions/{f['graded'].pk}/grade/",
        lambda f: {"points": 9, "comment": "Good"},
        {"owner": 200, "other_teacher": 403, "student": 403, "other_student": 403},
    ),
    (
        "publish grade",
        "post",
        lambda f: f"/api/grading/submissions/{f['graded'].pk}/publish/",
        None,
        {"owner": 200, "other_teacher": 403, "student": 403, "other_student": 403},
    ),
    ("list notifications", "get", lambda f: "/api/notifications/", None, dict.fromkeys(ACTORS[1:], 200)),
    (
        "read notification",
        "post",
        lambda f: f"/api/notifications/{_notification(**f).pk}/read/",
        None,
        {"owner": 404, "other_teacher": 404, "student": 200, "other_student": 404},
    ),
]

CASES = [
    pytest.param(name, method, path, body, actor, expected.get(actor, 401), id=f"{name}-{actor}")
    for name, method, path, body, expected in ENDPOINTS
    for actor in ACTORS
]


@pytest.mark.parametrize(("name", "method", "path", "body", "actor", "status"), CASES)
def test_permission_matrix(name, method, path, body, actor, status, clients, people, course, graded_submission):
    fixtures = {"course": course, "people": people, "graded": graded_submission}
    url = path(fixtures)
    data = body(fixtures) if body else None
    response = getattr(clients[actor], method)(url, data, format="json")
    assert response.status_code == status, response.content[:500]
    payload = response.json()
    assert payload["success"] is (status < 400)
    if status >= 400:
        assert set(payload) == {"success", "message", "errors"} and payload["message"]
    else:
        assert set(payload) == {"success", "data", "message"}


def test_lists_hold_only_what_the_reader_may_see(clients, course, graded_submission):
    def ids(actor, path):
        data = clients[actor].get(path).json()["data"]
        assert set(data) == {"count", "next", "previous", "results"}
        return [row["id"] for row in data["results"]]

    klass, assignment = course["class"], course["assignment"]
    assert ids("owner", "/api/classes/") == ids("student", "/api/classes/") == [klass.pk]
    assert ids("other_teacher", "/api/classes/") == ids("other_student", "/api/classes/") == []
    assert ids("owner", "/api/assignments/") == ids("student", "/api/assignments/") == [assignment.pk]
    assert ids("other_student", "/api/assignments/") == []
    assert ids("owner", "/api/submissions/submissions/") == [graded_submission.pk]
    assert ids("student", "/api/submissions/submissions/") == [graded_submission.pk]
    assert (
        ids("other_teacher", "/api/submissions/submissions/")
        == ids("other_student", "/api/submissions/submissions/")
        == []
    )


def test_join_code_is_the_owners_only(clients, course):
    assert "join_code" in clients["owner"].get("/api/classes/").json()["data"]["results"][0]
    assert "join_code" not in clients["student"].get("/api/classes/").json()["data"]["results"][0]


def test_students_never_see_drafts(clients, course, people):
    draft = _draft(course, people)
    assert clients["student"].get(f"/api/assignments/{draft.pk}/").status_code == 404
    assert draft.pk not in [a["id"] for a in clients["student"].get("/api/assignments/").json()["data"]["results"]]
    assert clients["owner"].get(f"/api/assignments/{draft.pk}/").status_code == 200


def test_submission_filters(clients, course, people, graded_submission):
    from coursework import services

    services.submit(people["student"], course["question"], PYTHON_SUM)
    owner = clients["owner"]
    assert owner.get(f"/api/submissions/submissions/?student={people['student'].pk}").json()["data"]["count"] == 2
    assert owner.get(f"/api/submissions/submissions/?student={people['other_student'].pk}").json()["data"]["count"] == 0
    assert owner.get(f"/api/submissions/submissions/?question={course['question'].pk}").json()["data"]["count"] == 2
    assert (
        owner.get(f"/api/submissions/submissions/?assignment={course['assignment'].pk + 99}").json()["data"]["count"]
        == 0
    )
    assert owner.get("/api/submissions/submissions/?page_size=1").json()["data"]["next"]
