"""Listing submissions costs the same number of queries for 2 rows or 12 (the API list and the pages)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.site.conftest import PYTHON_POSITIVE_ONLY


@pytest.fixture
def add_graded(course, people, grade_in_queue):
    """``add_graded(count)``: that many more graded submissions of the student, every other one hand-graded
    by the owner with a comment and published."""
    from coursework import grading, services

    made = []

    def add(count):
        for _ in range(count):
            submission = services.submit(people["student"], course["question"], PYTHON_POSITIVE_ONLY)
            grade_in_queue()
            submission.refresh_from_db()
            if len(made) % 2:
                grading.grade(people["owner"], submission, 9, f"comment {len(made)}")
                grading.publish(people["owner"], submission)
            made.append(submission)
        return made

    return add


def _queries(request):
    with CaptureQueriesContext(connection) as context:
        response = request()
    assert response.status_code == 200, response.content[:2000]
    return len(context.captured_queries), response


@pytest.mark.parametrize("reader", ["owner", "student"])
def test_the_api_list_costs_the_same_for_2_or_12_rows(reader, clients, add_graded):
    counts = []
    for total in (2, 12):
        made = add_graded(total - len(add_graded(0)))
        count, response = _queries(lambda: clients[reader].get("/api/submissions/submissions/?page_size=100"))
        rows = response.json()["data"]["results"]
        assert len(rows) == len(made) == total
        scored = [row for row in rows if row["score"] is not None]
        # the owner sees every score; the student the published ones, the hand grades with their comment
        assert len(scored) == (total if reader == "owner" else total // 2)
        assert {row["comment"] for row in scored if row["published"]} == {f"comment {n}" for n in range(1, total, 2)}
        counts.append(count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("page", ["assignment", "question"])
def test_the_pages_listing_submissions_cost_the_same_for_2_or_12_rows(page, client, people, course, add_graded):
    if page == "assignment":  # the owner's list of the class's submissions
        reader, path = people["owner"], f"/assignments/{course['assignment'].pk}/"
    else:  # the student's own submissions of the question
        reader, path = people["student"], f"/questions/{course['question'].pk}/"
    client.force_login(reader)
    counts = []
    for total in (2, 12):
        add_graded(total - len(add_graded(0)))
        count, response = _queries(lambda: client.get(path))
        assert response.content.decode().count('href="/submissions/') >= total
        counts.append(count)
    assert counts[0] == counts[1], counts
