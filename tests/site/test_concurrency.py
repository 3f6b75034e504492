"""The site's races, with real threads on a server database (PostgreSQL in tox ``site-postgres``; MariaDB too)."""

from tests.site.conftest import PYTHON_SUM

# the same marks as the core races: concurrency, transactional, skipped on SQLite
from tests.test_concurrency_core import THREADS, pytestmark, run_together  # noqa: F401


def test_one_student_joining_many_times_at_once_is_enrolled_once(people, course):
    from classes import services
    from classes.models import Enrollment

    klass, student = course["class"], people["other_student"]
    results, errors = run_together(lambda _: services.join(klass, student, klass.join_code).pk)
    assert errors == [None] * THREADS
    assert len(set(results)) == 1 and Enrollment.objects.filter(klass=klass, student=student).count() == 1


def test_concurrent_submissions_of_one_student_get_distinct_attempts(people, course):
    from coursework import services

    results, errors = run_together(lambda _: services.submit(people["student"], course["question"], PYTHON_SUM))
    assert errors == [None] * THREADS
    assert sorted(s.attempt for s in results) == list(range(1, THREADS + 1))


def test_publishing_a_grade_many_times_at_once_notifies_once(people, course, graded_submission):
    from coursework import grading
    from notifications.models import Notification

    owner = people["owner"]
    results, errors = run_together(lambda _: grading.publish(owner, graded_submission).published)
    assert errors == [None] * THREADS and all(results)
    assert Notification.objects.filter(recipient=people["student"], kind="grade_published").count() == 1


def test_grade_and_publish_racing_leave_a_consistent_state(people, course, graded_submission):
    """A grade unpublishes, a publish publishes: whatever the order, the flag matches the last one to commit."""
    from coursework import grading, services
    from coursework.models import Submission

    owner = people["owner"]

    def act(index):
        if index % 2:
            return grading.publish(owner, graded_submission).published
        return grading.grade(owner, graded_submission, index, "race").published

    results, errors = run_together(act)
    assert errors == [None] * THREADS
    row = Submission.objects.get(pk=graded_submission.pk)
    score = services.score_of(row)
    assert score["comment"] == "race" and score["points"] in range(0, THREADS, 2)
