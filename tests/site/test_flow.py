"""
The design document's whole flow over HTTP against a live server, graded by the real reference grader
(two processes: the grading queue and the code-run queue) in its sandbox. Runs on SQLite and PostgreSQL
(tox envs site-sqlite, site-postgres).
"""

import urllib.parse

import pytest
import requests

from tests.site.conftest import PYTHON_POSITIVE_ONLY, PYTHON_SUM, assignment_body, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

C_MAX = (
    '#include <stdio.h>\nint main(void){int n,x,b;scanf("%d %d",&n,&b);'
    'for(int i=1;i<n;i++){scanf("%d",&x);if(x>b)b=x;}printf("%d\\n",b);}\n'
)


class Api:
    def __init__(self, base):
        self.base, self.session = base, requests.Session()

    def __call__(self, method, path, expect, **kwargs):
        response = self.session.request(method, self.base + "/api/" + path, timeout=90, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.text[:2000])
        body = response.json()
        assert body["success"] is (expect < 400), body
        return body["data"] if expect < 400 else body

    def sign_in(self, username, password):
        tokens = self("POST", "auth/login/", 200, json={"username": username, "password": password})
        assert set(tokens) == {"access", "refresh", "user"}
        refreshed = self("POST", "auth/refresh/", 200, json={"refresh": tokens["refresh"]})
        self.session.headers["Authorization"] = f"Bearer {refreshed['access']}"
        return tokens["user"]


def register(base, username, role):
    api = Api(base)
    user = api(
        "POST",
        "auth/register/",
        201,
        json={"username": username, "email": f"{username}@example.com", "password": "S3cure-enough!", "role": role},
    )
    assert user == {"id": user["id"], "username": username, "email": f"{username}@example.com", "role": role}
    assert api.sign_in(username, "S3cure-enough!")["id"] == user["id"]
    assert api("GET", "auth/me/", 200)["username"] == username
    return api, user


def test_whole_flow_over_http_with_the_reference_grader(reference_graders):
    base = reference_graders.url
    teacher, _ = register(base, "tina", "teacher")
    student, student_user = register(base, "sam", "student")

    klass = teacher("POST", "classes/", 201, json={"name": "CS101", "description": "Programming"})
    assert len(klass["join_code"]) == 8 and klass["archived"] is False
    errors = student("POST", f"classes/{klass['id']}/join/", 400, json={"join_code": "NOPE"})["errors"]
    assert list(errors) == ["join_code"]
    joined = student("POST", f"classes/{klass['id']}/join/", 200, json={"join_code": klass["join_code"].lower()})
    assert joined["class_id"] == klass["id"] and joined["student"]["id"] == student_user["id"]

    body = assignment_body(klass["id"])
    body["questions"].append(
        {
            "title": "Largest",
            "language": "c",
            "points": 4,
            "test_cases": [
                {"input": "3\n1 9 4\n", "expected_output": "9\n", "points": 1},
                {"input": "2\n-5 -3\n", "expected_output": "-3\n", "hidden": True},
            ],
        }
    )
    assignment = teacher("POST", "assignments/", 201, json=body)
    assert assignment["status"] == "draft"
    python_q, c_q = (q["id"] for q in assignment["questions"])
    assert [c["points"] for c in assignment["questions"][1]["test_cases"]] == ["1.000", "3.000"]
    assert student("GET", f"assignments/{assignment['id']}/", 404)
    student("POST", "submissions/submissions/", 409, json={"question_id": python_q, "code": PYTHON_SUM})
    assert teacher("POST", f"assignments/{assignment['id']}/publish/", 200)["status"] == "published"

    seen = student("GET", f"assignments/{assignment['id']}/", 200)
    assert all(not case["hidden"] for q in seen["questions"] for case in q["test_cases"])
    assert [q["hidden_test_cases"] for q in seen["questions"]] == [1, 1]

    run = student("POST", "code/run/", 200, json={"question_id": python_q, "code": PYTHON_SUM})
    assert run["status"] == "completed"
    assert [(r["passed"], r["stdout"]) for r in run["results"]] == [(True, "6\n"), (True, "5\n")]
    assert all(isinstance(r["time_ms"], int) for r in run["results"])
    broken = student("POST", "code/run/", 200, json={"question_id": c_q, "code": "int main( {"})
    assert broken["status"] == "compile_error" and "error" in broken["compile_output"]
    owner_run = teacher("POST", "code/run/", 200, json={"question_id": c_q, "code": C_MAX})
    assert [r["passed"] for r in owner_run["results"]] == [True]  # the visible case only
    # runs are neither attempts nor submissions
    assert student("GET", "submissions/submissions/", 200)["count"] == 0

    first = student("POST", "submissions/submissions/", 201, json={"question_id": python_q, "code": PYTHON_SUM})
    assert first["status"] in ("queued", "grading") and first["attempt"] == 1 and first["score"] is None
    second = student(
        "POST", "submissions/submissions/", 201, json={"question_id": python_q, "code": PYTHON_POSITIVE_ONLY}
    )
    assert second["attempt"] == 2
    c_sub = student("POST", "submissions/submissions/", 201, json={"question_id": c_q, "code": C_MAX})

    def all_graded():
        rows = teacher("GET", f"submissions/submissions/?assignment={assignment['id']}", 200)["results"]
        return rows if all(row["status"] == "graded" for row in rows) else None

    rows = {row["id"]: row for row in wait_for(all_graded)}
    assert rows[first["id"]]["score"] == 10 and rows[c_sub["id"]]["score"] == 4
    assert rows[second["id"]]["score"] == 7  # 2 of 3 equal shares of 10 points
    assert [r["passed"] for r in rows[second["id"]]["results"]] == [True, True, False]
    mine = student("GET", f"submissions/submissions/{second['id']}/", 200)
    assert mine["status"] == "graded" and mine["score"] is None and mine["published"] is False
    assert mine["results"][2] == {"name": mine["results"][2]["name"], "hidden": True, "passed": False,
                                  "status": "wrong_answer", "message": "Wrong answer.",
                                  "points": mine["results"][2]["points"]}  # fmt: skip

    queued = teacher("POST", "grading/grading/run-autograder/", 202, json={"assignment_id": assignment["id"]})
    assert queued == {"queued": 2}  # the latest submission of each question
    rows = {row["id"]: row for row in wait_for(all_graded)}
    assert rows[second["id"]]["score"] == 7 and rows[c_sub["id"]]["score"] == 4

    graded = teacher("PUT", f"grading/submissions/{second['id']}/grade/", 200, json={"points": 8, "comment": "Close!"})
    assert graded["points"] == 8 and graded["comment"] == "Close!" and graded["published"] is False
    assert student("GET", f"submissions/submissions/{second['id']}/", 200)["score"] is None
    assert teacher("POST", f"grading/submissions/{second['id']}/publish/", 200)["published"] is True

    notes = student("GET", "notifications/", 200)
    kinds = sorted(n["kind"] for n in notes["results"])
    assert kinds == ["assignment_published", "grade_published"]
    grade_note = next(n for n in notes["results"] if n["kind"] == "grade_published")
    assert student("POST", f"notifications/{grade_note['id']}/read/", 200)["read"] is True
    mine = student("GET", f"submissions/submissions/{second['id']}/", 200)
    assert (mine["score"], mine["comment"], mine["published"]) == (8, "Close!", True)

    # the instructor API sees the same learner and score
    course = f"course-v1:autograder+class-{klass['id']}+site"
    block = f"block-v1:autograder+class-{klass['id']}+site+type@problem+block@question-{python_q}"
    problem = requests.get(
        f"{base}/api/instructor/v2/courses/{course}/problems/{urllib.parse.quote(block)}",
        params={"email_or_username": "sam"},
        headers=teacher.session.headers,
        timeout=30,
    ).json()
    assert problem["current_score"] == {"score": 8.0, "total": 10.0} and problem["attempts"]["current"] == 2

    assert teacher("POST", f"assignments/{assignment['id']}/close/", 200)["status"] == "closed"
    student("POST", "submissions/submissions/", 409, json={"question_id": python_q, "code": PYTHON_SUM})
    assert teacher("POST", f"classes/{klass['id']}/archive/", 200)["archived"] is True
