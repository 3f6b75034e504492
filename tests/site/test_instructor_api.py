"""
The instructor API (``submissions.instructor_v2``) on the site's own users and questions, through its HTTP
endpoints: the site's backend (``coursework.instructor.SiteGradingBackend``) makes a class a course, its owner
the course's staff, its questions the problems, and the user's pk the learner's ``student_id``.
"""

import urllib.parse

from tests.site.conftest import PYTHON_SUM, token_client


def paths(course):
    klass, question = course["class"], course["question"]
    key = klass.course_key
    block = urllib.parse.quote(question.usage_key)
    base = f"/api/instructor/v2/courses/{key}"
    return base, f"{base}/{block}", f"{base}/problems/{block}"


def test_learner_and_problem_are_the_sites(clients, course, graded_submission):
    base, _, problem = paths(course)
    learner = clients["owner"].get(f"{base}/learners/student")
    assert learner.status_code == 200 and learner.json()["username"] == "student"
    data = clients["owner"].get(problem, {"email_or_username": "student"}).json()
    assert data["name"] == "Sum" and data["current_score"] == {"score": 7.0, "total": 10.0}
    assert data["attempts"]["current"] == 1
    assert data["breadcrumbs"][0]["display_name"] == course["assignment"].title


def test_permissions_follow_class_ownership(clients, course, graded_submission, make_user):
    base, _, problem = paths(course)
    assert clients["other_teacher"].get(problem).status_code == 403
    assert clients["student"].get(problem).status_code == 403
    assert clients["anonymous"].get(problem).status_code == 401
    unknown = "/api/instructor/v2/courses/course-v1:autograder+class-999+site/learners/student"
    assert clients["owner"].get(unknown).status_code == 403  # nobody's class: no staff, and nothing leaks
    assert token_client(make_user("root", "teacher", superuser=True)).get(unknown).status_code == 404
    other_block = urllib.parse.quote(
        course["question"].usage_key.replace(f"question-{course['question'].pk}", "question-999")
    )
    assert clients["owner"].get(f"{base}/problems/{other_block}").status_code == 404


def test_override_changes_the_score_the_site_shows(clients, course, graded_submission):
    _, problem, _ = paths(course)
    response = clients["owner"].put(f"{problem}/grading/scores?learner=student", {"score": 9}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["score"] == 9 and response.json()["previous_score"] == 7
    graded_submission.published = True
    graded_submission.save()
    mine = clients["student"].get(f"/api/submissions/submissions/{graded_submission.pk}/").json()["data"]
    assert mine["score"] == 9


def test_rescore_sends_the_submission_back_to_the_grader(clients, course, graded_submission, grade_in_queue):
    _, problem, _ = paths(course)
    response = clients["owner"].post(f"{problem}/grading/scores/rescore?learner=student")
    assert response.status_code == 200, response.content
    url = f"/api/submissions/submissions/{graded_submission.pk}/"
    assert clients["owner"].get(url).json()["data"]["status"] == "queued"
    grade_in_queue(passed=(True, True, True))
    assert clients["owner"].get(url).json()["data"]["score"] == 10


def test_rescore_all_learners_runs_as_a_task(
    clients, course, people, graded_submission, django_capture_on_commit_callbacks
):
    from classes import services as classes
    from coursework import services

    classes.join(course["class"], people["other_student"], course["class"].join_code)
    services.submit(people["other_student"], course["question"], PYTHON_SUM)
    base, problem, _ = paths(course)
    with django_capture_on_commit_callbacks(execute=True):  # the inline runner starts after commit
        started = clients["owner"].post(f"{problem}/grading/scores/rescore")
    assert started.status_code == 202, started.content
    status = clients["owner"].get(f"{base}/tasks/{started.json()['task_id']}").json()
    assert status["state"] == "completed" and status["progress"]["total"] == 2, status


def test_reset_attempts_and_delete_state(clients, course, people, graded_submission):
    base, problem, detail = paths(course)
    reset = clients["owner"].post(f"{problem}/grading/attempts/reset?learner=student")
    assert reset.status_code == 200, reset.content
    assert clients["owner"].get(detail, {"email_or_username": "student"}).json()["attempts"]["current"] == 0
    deleted = clients["owner"].delete(f"{problem}/grading/state?learner=student")
    assert deleted.status_code == 200, deleted.content
    # the site follows: the submission is gone from its lists, the library shows no score
    assert clients["owner"].get("/api/submissions/submissions/").json()["data"]["count"] == 0
    assert clients["owner"].get(detail, {"email_or_username": "student"}).json()["current_score"] is None
    assert clients["owner"].delete(f"{problem}/grading/state?learner=student").status_code == 404
