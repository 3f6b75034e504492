"""Fixtures of the instructor API tests: a course, a problem, users in each role, learner state."""

import base64

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from submissions import api
from submissions.external_grader import queue

COURSE = "course-v1:edX+DemoX+Demo_Course"
PROBLEM = "block-v1:edX+DemoX+Demo_Course+type@problem+block@p1"
OTHER_COURSE = "course-v1:Other+X+2026"
BASE = f"/api/instructor/v2/courses/{COURSE}"
PASSWORD = "pw-for-tests"


def student_item(user, problem=PROBLEM, course=COURSE):
    return {"student_id": str(user.pk), "course_id": course, "item_id": problem, "item_type": "problem"}


@pytest.fixture
def users(user_factory):
    """A global staff user, a course instructor, course staff, a learner and an other course's instructor."""

    def in_group(user, name):
        user.groups.add(Group.objects.get_or_create(name=name)[0])
        return user

    made = {
        "global": user_factory(username="admin", is_staff=True),
        "instructor": in_group(user_factory(username="prof"), f"course_instructor:{COURSE}"),
        "staff": in_group(user_factory(username="ta"), f"course_staff:{COURSE}"),
        "learner": user_factory(username="alice", email="alice@example.com", first_name="Alice", last_name="Liddell"),
        "learner2": user_factory(username="bob", email="bob@example.com"),
        "outsider": in_group(user_factory(username="other_prof"), f"course_instructor:{OTHER_COURSE}"),
    }
    for user in made.values():
        user.set_password(PASSWORD)
        user.save()
    return made


@pytest.fixture
def client_for():
    """An API client logged in as ``user`` (HTTP Basic, through the host's authentication classes)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
            client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
        return client

    return make


@pytest.fixture
def make_state():
    """Give ``user`` submissions (and a score / a grader row) on a problem."""

    def make(user, *, submissions=1, score=None, points_possible=10, grader=False, problem=PROBLEM, course=COURSE):
        item = student_item(user, problem, course)
        created = []
        for n in range(submissions):
            if grader:
                row = queue.create_external_grader_detail(
                    item, {"answer": n}, "q1", f"key-{user.pk}-{n}", points_possible=points_possible
                )
                created.append(api.get_submission(str(row.submission.uuid)))
            else:
                created.append(api.create_submission(item, {"answer": n}))
        if score is not None:
            api.set_score(created[-1]["uuid"], score, points_possible)
        return created

    return make
