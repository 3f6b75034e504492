"""Every endpoint of the instructor API: success, sync/async, permissions and errors (spec §2-§3)."""

import base64
from urllib.parse import quote

import pytest
from django.test import override_settings

from submissions import api
from submissions.instructor_v2.models import GradingTask
from submissions.models import ExternalGraderDetail, ScoreAnnotation, Submission
from submissions.signals import score_reset
from tests.instructor_v2.conftest import BASE, COURSE, OTHER_COURSE, PROBLEM, student_item

pytestmark = pytest.mark.django_db

RESET = f"{BASE}/{PROBLEM}/grading/attempts/reset"
STATE = f"{BASE}/{PROBLEM}/grading/state"
RESCORE = f"{BASE}/{PROBLEM}/grading/scores/rescore"
SCORES = f"{BASE}/{PROBLEM}/grading/scores"
PROBLEM_URL = f"{BASE}/problems/{PROBLEM}"

ENDPOINTS = [
    ("get", f"{BASE}/learners/alice"),
    ("get", PROBLEM_URL),
    ("get", f"{BASE}/grading-config"),
    ("post", RESET),
    ("post", RESET + "?learner=alice"),
    ("delete", STATE + "?learner=alice"),
    ("post", RESCORE),
    ("post", RESCORE + "?learner=alice"),
    ("put", SCORES + "?learner=alice"),
    ("get", f"{BASE}/tasks/00000000-0000-4000-8000-000000000000"),
]

BULK = [RESET, RESCORE]


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code
    assert body["status_code"] == status
    assert isinstance(body["message"], str) and body["message"]
    return body


@pytest.fixture
def state(users, make_state):
    """alice: 3 graded submissions (7/10), bob: 1 submission without score."""
    make_state(users["learner"], submissions=3, score=7, grader=True)
    make_state(users["learner2"], submissions=1, grader=True)
    return users


@pytest.fixture(autouse=True)
def test_hooks(settings):
    settings.SUBMISSIONS = {"INSTRUCTOR_GRADING_POLICY": "tests.instructor_v2.hooks.grading_policy"}


# -- authentication and permissions --


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_gets_401(client_for, state, method, path):
    assert_error(getattr(client_for(None), method)(path), 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("who", ["learner", "outsider"])
def test_non_staff_gets_403(client_for, state, method, path, who):
    assert_error(getattr(client_for(state[who]), method)(path, {"score": 1}, format="json"), 403, "PERMISSION_DENIED")


def test_wrong_password_gets_401(client_for, state):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Basic YWxpY2U6d3Jvbmc=")
    assert_error(client.get(f"{BASE}/learners/alice"), 401, "AUTHENTICATION_REQUIRED")


def test_credentials_the_database_cannot_compare_get_401(client_for, state):
    """A NUL byte in a Basic-auth username (PostgreSQL refuses it in a query) is a bad credential, not a 500."""
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"ali\x00ce:pw").decode())
    assert_error(client.delete(f"{BASE}/learners/alice"), 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.parametrize("path", BULK)
def test_course_staff_cannot_start_bulk_operations(client_for, state, path):
    body = assert_error(client_for(state["staff"]).post(path), 403, "PERMISSION_DENIED")
    assert body["message"] == "Instructor access required for bulk operations"
    assert not GradingTask.objects.exists()


@pytest.mark.parametrize("who", ["global", "instructor", "staff"])
def test_staff_and_instructors_read_and_act_on_one_learner(client_for, state, who):
    client = client_for(state[who])
    assert client.get(f"{BASE}/learners/alice").status_code == 200
    assert client.get(PROBLEM_URL).status_code == 200
    assert client.post(RESET + "?learner=alice").status_code == 200


# -- keys --


def test_invalid_course_key_is_400(client_for, state):
    body = assert_error(
        client_for(state["global"]).get("/api/instructor/v2/courses/not-a-key/learners/alice"), 400, "INVALID_PARAMETER"
    )
    assert "course_key" in body["field_errors"]


def test_invalid_usage_key_is_400(client_for, state):
    assert_error(client_for(state["global"]).get(f"{BASE}/problems/not-a-usage-key"), 400, "INVALID_PARAMETER")
    assert_error(client_for(state["global"]).post(f"{BASE}/nonsense/grading/attempts/reset"), 400, "INVALID_PARAMETER")


def test_encoded_keys_are_accepted(client_for, state):
    path = f"/api/instructor/v2/courses/{quote(COURSE, safe='')}/problems/{quote(PROBLEM, safe='')}"
    response = client_for(state["global"]).get(path)
    assert response.status_code == 200, response.content
    assert response.json()["id"] == PROBLEM


def test_double_encoded_keys_and_legacy_usage_key(client_for, state):
    client = client_for(state["global"])
    double = quote(quote(PROBLEM, safe=""), safe="")
    assert client.get(f"{BASE}/problems/{double}").json()["id"] == PROBLEM
    # a legacy i4x key is rebound into the URL's course
    response = client.get(f"{BASE}/problems/i4x://edX/DemoX/problem/p1")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == PROBLEM


def test_unknown_course_is_404_for_global_staff(client_for, state):
    path = "/api/instructor/v2/courses/course-v1:Nobody+X+1/learners/alice"
    assert_error(client_for(state["global"]).get(path), 404, "RESOURCE_NOT_FOUND")


def test_unmatched_path_is_a_json_404(client_for, state):
    assert_error(client_for(state["global"]).get(f"{BASE}/no/such/endpoint/here"), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(("method", "path"), [("get", RESET), ("patch", SCORES), ("post", STATE + "?learner=alice")])
def test_wrong_method_is_405(client_for, state, method, path):
    response = getattr(client_for(state["global"]), method)(path)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response["Allow"]


# -- getLearner --


def test_get_learner_by_username_and_email(client_for, state):
    client = client_for(state["staff"])
    by_name = client.get(f"{BASE}/learners/alice").json()
    assert by_name == {
        "username": "alice",
        "email": "alice@example.com",
        "full_name": "Alice Liddell",
        "progress_url": None,
        "is_enrolled": True,
    }
    assert client.get(f"{BASE}/learners/ALICE@example.com").json()["username"] == "alice"


def test_get_learner_not_enrolled_unknown_and_ambiguous(client_for, state, user_factory):
    client = client_for(state["staff"])
    user_factory(username="carol", email="carol@example.com")
    assert client.get(f"{BASE}/learners/carol").json()["is_enrolled"] is False
    assert_error(client.get(f"{BASE}/learners/nobody"), 404, "RESOURCE_NOT_FOUND")
    user_factory(username="twin1", email="twin@example.com")
    user_factory(username="twin2", email="twin@example.com")
    body = assert_error(client.get(f"{BASE}/learners/twin@example.com"), 400, "INVALID_PARAMETER")
    assert "learner" in body["field_errors"]


# -- getProblem --


def test_get_problem_without_and_with_learner(client_for, state):
    client = client_for(state["staff"])
    plain = client.get(PROBLEM_URL).json()
    assert plain["id"] == PROBLEM
    assert plain["name"] == "p1"
    assert plain["breadcrumbs"][0]["usage_key"] is None
    assert plain["current_score"] is None and plain["attempts"] is None
    with_learner = client.get(PROBLEM_URL, {"email_or_username": "alice"}).json()
    assert with_learner["current_score"] == {"score": 7.0, "total": 10.0}
    assert with_learner["attempts"] == {"current": 3, "total": None}
    bob = client.get(PROBLEM_URL, {"email_or_username": "bob@example.com"}).json()
    assert bob["current_score"] is None and bob["attempts"]["current"] == 1


def test_get_problem_errors(client_for, state):
    client = client_for(state["staff"])
    body = assert_error(client.get(f"{BASE}/problems/{PROBLEM[:-2]}zz"), 404, "RESOURCE_NOT_FOUND")
    assert body["message"] == "Problem not found"
    assert_error(client.get(PROBLEM_URL, {"email_or_username": "nobody"}), 404, "RESOURCE_NOT_FOUND")


# -- getGradingConfig --


def test_grading_config(client_for, state, settings):
    client = client_for(state["staff"])
    body = client.get(f"{BASE}/grading-config").json()
    assert body["grade_cutoffs"] == {"A": 0.9, "B": 0.8, "Pass": 0.5}
    assert body["graders"][0] == {
        "type": "Homework",
        "short_label": "HW",
        "min_count": 12,
        "drop_count": 2,
        "weight": 0.4,
    }
    settings.SUBMISSIONS = {}
    assert_error(client.get(f"{BASE}/grading-config"), 404, "RESOURCE_NOT_FOUND")


# -- resetAttempts --


def test_reset_attempts_one_learner_keeps_answers_and_scores(client_for, state):
    client = client_for(state["instructor"])
    response = client.post(RESET, {"learner": "alice"})  # form-encoded body, as the MFE sends it
    assert response.status_code == 200, response.content
    assert response.json() == {
        "success": True,
        "learner": "alice",
        "problem_location": PROBLEM,
        "message": "Attempts reset successfully",
    }
    item = student_item(state["learner"])
    assert len(api.get_submissions(item)) == 3
    assert api.get_score(item)["points_earned"] == 7
    assert client.get(PROBLEM_URL, {"email_or_username": "alice"}).json()["attempts"]["current"] == 0
    api.create_submission(item, {"answer": "again"})
    assert client.get(PROBLEM_URL, {"email_or_username": "alice"}).json()["attempts"]["current"] == 1


def test_reset_attempts_errors(client_for, state, user_factory):
    client = client_for(state["instructor"])
    user_factory(username="carol")
    assert_error(client.post(RESET + "?learner=carol"), 404, "RESOURCE_NOT_FOUND")  # no state
    assert_error(client.post(RESET + "?learner=nobody"), 404, "RESOURCE_NOT_FOUND")


def test_reset_attempts_all_learners_runs_a_task(client_for, state, django_capture_on_commit_callbacks):
    client = client_for(state["instructor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["scope"] == {"learners": "all", "problem_location": PROBLEM, "problems": PROBLEM}
    assert body["status_url"].startswith("http://testserver/api/instructor/v2/courses/")
    status = client.get(body["status_url"]).json()
    assert status["task_id"] == body["task_id"]
    assert status["state"] == "completed"
    assert status["progress"] == {"current": 2, "total": 2}
    assert status["result"]["success"] is True
    assert status["result"]["message"] == "Reset attempts for 2 learners (0 skipped, 0 failed)"
    assert client.get(PROBLEM_URL, {"email_or_username": "alice"}).json()["attempts"]["current"] == 0
    assert api.get_score(student_item(state["learner"]))["points_earned"] == 7


@override_settings(SUBMISSIONS={"TASK_RUNNER": "tests.instructor_v2.test_views.NoRunner"})
@pytest.mark.parametrize("path", BULK)
def test_second_bulk_request_while_one_is_active_is_409(client_for, state, path, django_capture_on_commit_callbacks):
    client = client_for(state["global"])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(path)
    assert first.status_code == 202
    body = assert_error(client.post(path), 409, "TASK_ALREADY_RUNNING")
    assert body["task_id"] == first.json()["task_id"]
    assert body["status_url"] == first.json()["status_url"]
    assert client.get(body["status_url"]).json()["state"] == "pending"
    other = RESCORE if path == RESET else RESET
    assert client.post(other).status_code == 202  # another operation is not blocked


class NoRunner:
    """A runner that queues nothing, so a task stays pending (stands for a busy worker)."""

    def dispatch(self, task_id):
        return None


# -- deleteState --


def test_delete_state_removes_everything(client_for, state):
    received = []
    score_reset.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-delete-state")
    try:
        client = client_for(state["staff"])
        response = client.delete(STATE + "?learner=alice@example.com")
    finally:
        score_reset.disconnect(dispatch_uid="test-delete-state")
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "State deleted successfully"
    item = student_item(state["learner"])
    assert api.get_submissions(item) == []
    assert api.get_score(item) is None
    assert Submission._objects.filter(student_item__student_id=item["student_id"], status="D").count() == 3
    rows = ExternalGraderDetail.objects.filter(submission__student_item__student_id=item["student_id"])
    assert {row.status for row in rows} == {"retired"}
    assert len(received) == 1 and received[0]["item_id"] == PROBLEM
    assert_error(client.delete(STATE + "?learner=alice"), 404, "RESOURCE_NOT_FOUND")


def test_delete_state_requires_learner(client_for, state):
    body = assert_error(client_for(state["staff"]).delete(STATE), 400, "INVALID_PARAMETER")
    assert "learner" in body["field_errors"]


# -- rescore --


def _rows(user):
    return ExternalGraderDetail.objects.filter(submission__student_item__student_id=str(user.pk))


def test_rescore_one_learner_requeues_the_latest_submission(client_for, state):
    client = client_for(state["staff"])
    latest = api.get_submissions(student_item(state["learner"]))[0]
    response = client.post(RESCORE, {"learner": "alice", "only_if_higher": "yes"})
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Problem rescored successfully"
    row = ExternalGraderDetail.objects.get(submission__uuid=latest["uuid"])
    assert row.status == "pending" and row.only_if_higher is True


@pytest.mark.parametrize(
    ("query", "body", "expected"),
    [
        ("?only_if_higher=TRUE", None, True),
        ("?only_if_higher=1", None, True),
        ("?only_if_higher=no", {"only_if_higher": "true"}, False),  # the query string wins
        ("", {"only_if_higher": True}, True),
        ("", {"only_if_higher": "0"}, False),
        ("", None, False),
    ],
)
def test_only_if_higher_from_query_or_body(client_for, state, query, body, expected):
    client = client_for(state["staff"])
    response = client.post(RESCORE + query + ("&" if query else "?") + "learner=alice", body, format="json")
    assert response.status_code == 200, response.content
    latest = api.get_submissions(student_item(state["learner"]))[0]
    assert ExternalGraderDetail.objects.get(submission__uuid=latest["uuid"]).only_if_higher is expected


def test_rescore_errors(client_for, state, user_factory, make_state):
    client = client_for(state["instructor"])
    assert_error(client.post(RESCORE + "?learner=alice&only_if_higher=maybe"), 400, "INVALID_PARAMETER")
    vertical = "block-v1:edX+DemoX+Demo_Course+type@vertical+block@v1"
    body = assert_error(client.post(f"{BASE}/{vertical}/grading/scores/rescore"), 400, "NOT_RESCORABLE")
    assert body["message"] == "This component cannot be rescored."
    assert_error(client.post(f"{BASE}/{vertical}/grading/scores/rescore?learner=alice"), 400, "NOT_RESCORABLE")
    carol = user_factory(username="carol")
    assert_error(client.post(RESCORE + "?learner=carol"), 404, "RESOURCE_NOT_FOUND")
    make_state(carol, submissions=1, grader=False)  # no grader row and no rescoring hook
    assert_error(client.post(RESCORE + "?learner=carol"), 400, "NOT_RESCORABLE")


def test_rescore_uses_the_host_hook_without_grader_row(client_for, state, user_factory, make_state, settings):
    from tests.instructor_v2 import hooks

    settings.SUBMISSIONS = {"INSTRUCTOR_RESCORE_HOOK": "tests.instructor_v2.hooks.rescore_hook"}
    carol = user_factory(username="carol")
    created = make_state(carol, submissions=2, grader=False)
    hooks.RESCORED.clear()
    response = client_for(state["staff"]).post(RESCORE + "?learner=carol&only_if_higher=true")
    assert response.status_code == 200, response.content
    assert [(created[-1]["uuid"], str(carol.pk), True)] == hooks.RESCORED


def test_rescore_all_learners(client_for, state, user_factory, make_state, django_capture_on_commit_callbacks):
    carol = user_factory(username="carol")
    make_state(carol, submissions=1, grader=False)  # skipped: nothing to send to a grader
    client = client_for(state["instructor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESCORE, {"only_if_higher": "true"}, format="json")
    assert response.status_code == 202, response.content
    status = client.get(response.json()["status_url"]).json()
    assert status["state"] == "completed"
    assert status["progress"] == {"current": 3, "total": 3}
    assert status["result"]["message"] == "Rescored for 2 learners (1 skipped, 0 failed)"
    task = GradingTask.objects.get()
    assert task.scope["only_if_higher"] is True and task.active_key is None


# -- overrideScore --


def test_override_score(client_for, state):
    client = client_for(state["staff"])
    response = client.put(SCORES + "?learner=alice", {"score": 9}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "success": True,
        "learner": "alice",
        "problem_location": PROBLEM,
        "message": "Score overridden successfully",
        "score": 9.0,
        "previous_score": 7.0,
    }
    score = api.get_score(student_item(state["learner"]))
    assert (score["points_earned"], score["points_possible"]) == (9, 10)
    annotation = ScoreAnnotation.objects.get()
    assert annotation.annotation_type == "staff_override" and annotation.creator == "ta"
    # the alias new_score, in a form body
    response = client.put(SCORES, "learner=bob&new_score=0", content_type="application/x-www-form-urlencoded")
    assert response.json()["score"] == 0 and response.json()["previous_score"] is None


def test_override_creates_state_for_a_learner_who_never_answered(client_for, state, user_factory):
    carol = user_factory(username="carol")
    client = client_for(state["instructor"])
    response = client.put(SCORES + "?learner=carol", {"score": 4}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["previous_score"] is None
    problem = client.get(PROBLEM_URL, {"email_or_username": "carol"}).json()
    assert problem["current_score"] == {"score": 4.0, "total": 10.0}
    assert problem["attempts"]["current"] == 0
    assert carol.pk


@pytest.mark.parametrize(
    ("query", "body", "field"),
    [
        ("", {"score": 1}, "learner"),
        ("?learner=alice", {}, "score"),
        ("?learner=alice", {"score": -1}, "score"),
        ("?learner=alice", {"score": 11}, "score"),
        ("?learner=alice", {"score": "ten"}, "score"),
        ("?learner=alice", {"score": 2.5}, "score"),
    ],
)
def test_override_score_bad_input_is_400(client_for, state, query, body, field):
    response = client_for(state["staff"]).put(SCORES + query, body, format="json")
    body = assert_error(response, 400, "INVALID_PARAMETER")
    assert field in body["field_errors"]
    assert ScoreAnnotation.objects.count() == 0


def test_override_unknown_learner_and_problem_404(client_for, state):
    client = client_for(state["staff"])
    assert_error(client.put(SCORES + "?learner=nobody", {"score": 1}, format="json"), 404, "RESOURCE_NOT_FOUND")
    other = f"{BASE}/{PROBLEM[:-2]}zz/grading/scores?learner=alice"
    assert_error(client.put(other, {"score": 1}, format="json"), 404, "RESOURCE_NOT_FOUND")


# -- getTaskStatus --


@pytest.fixture
def task(client_for, state, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(state["instructor"]).post(RESET)
    return response.json()


@pytest.mark.parametrize("who", ["instructor", "staff", "global"])
def test_task_status_readable_by_requester_and_course_staff(client_for, state, task, who):
    response = client_for(state[who]).get(task["status_url"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"task_id", "state", "created_at", "updated_at", "progress"}


def test_task_status_errors(client_for, state, task, users):
    assert_error(client_for(users["outsider"]).get(task["status_url"]), 403, "PERMISSION_DENIED")
    client = client_for(users["global"])
    other_course = task["status_url"].replace(COURSE, OTHER_COURSE)
    assert_error(client_for(users["instructor"]).get(other_course), 403, "PERMISSION_DENIED")
    assert_error(client.get(other_course), 404, "RESOURCE_NOT_FOUND")
    assert_error(client.get(f"{BASE}/tasks/00000000-0000-4000-8000-000000000000"), 404, "RESOURCE_NOT_FOUND")
    assert_error(client.get(f"{BASE}/tasks/not-a-uuid"), 404, "RESOURCE_NOT_FOUND")


# -- 500 --


class BrokenBackend:
    def is_course_staff(self, user, course_key):
        raise RuntimeError("the LMS is down")


def test_unexpected_error_is_500_internal_error(client_for, state, settings):
    settings.SUBMISSIONS = {"INSTRUCTOR_BACKEND": "tests.instructor_v2.test_views.BrokenBackend"}
    client = client_for(state["staff"])
    client.raise_request_exception = False
    body = assert_error(client.get(f"{BASE}/learners/alice"), 500, "INTERNAL_ERROR")
    assert "LMS" not in body["message"]
