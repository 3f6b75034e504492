"""Code runs: each case's outcome from the sandbox, the wait bounded by the question's limits, never an attempt."""

import time

import pytest

from tests.site.conftest import PYTHON_SUM


def _question_with_limit(course, seconds=1):
    question = course["question"]
    question.time_limit = seconds
    question.save()
    return question


@pytest.mark.django_db(transaction=True)
def test_runs_report_each_case_from_the_sandbox(reference_graders, clients, course):
    question = _question_with_limit(course)

    def run(code):
        begun = time.monotonic()
        response = clients["student"].post("/api/code/run/", {"question_id": question.pk, "code": code}, format="json")
        assert response.status_code == 200, response.content
        return response.json()["data"], time.monotonic() - begun

    crash, _ = run("input()\nprint(1 // 0)\n")
    assert [r["status"] for r in crash["results"]] == ["runtime_error", "runtime_error"]
    assert "ZeroDivisionError" in crash["results"][0]["stderr"]
    wrong, _ = run("print(6)\n")
    assert [r["status"] for r in wrong["results"]] == ["passed", "wrong_answer"]
    assert wrong["results"][1]["stdout"] == "6\n"
    loop, took = run("while True:\n    pass\n")
    assert [r["status"] for r in loop["results"]] in (["cpu_limit", "cpu_limit"], ["cpu_limit", "wall_limit"])
    assert took < question.run_deadline(2), took  # the question's limits plus the grace
    assert loop["status"] == "completed"


def test_an_unanswered_run_times_out_and_leaves_the_queue(people, course, django_capture_on_commit_callbacks):
    from coursework import runs
    from coursework.models import CodeRun

    from submissions.external_grader import queue
    from submissions.models import StudentItem

    question = course["question"]
    run, detail_id, seconds = runs.start_run(people["student"], question, PYTHON_SUM)
    assert seconds == question.run_deadline(2) == 2 * question.wall_seconds + 8
    assert queue.queue_length("runs") == 1
    begun = time.monotonic()
    run = runs.wait_for(run, detail_id, 0.3)
    assert 0.3 <= time.monotonic() - begun < 2
    assert run.status == CodeRun.Status.TIMED_OUT and run.results == []
    assert queue.queue_length("runs") == 0 and queue.pull("runs") is None  # no grader takes it later
    # the run's item is in the class's runs course, apart from the graded question's item
    item = StudentItem.objects.get()
    assert item.course_id == course["class"].run_course_key and item.item_type == "code_run"


def test_a_question_without_visible_cases_answers_at_once(clients, course):
    course["question"].test_cases.update(hidden=True)
    response = clients["student"].post(
        "/api/code/run/", {"question_id": course["question"].pk, "code": PYTHON_SUM}, format="json"
    )
    assert response.json()["data"]["status"] == "completed" and response.json()["data"]["results"] == []
