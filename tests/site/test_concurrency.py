"""
The site's races, with real threads on a server database (PostgreSQL in tox ``site-postgres``, MariaDB in
``site-mysql``).
"""

import threading

import pytest
from django.db import connection, transaction

from tests.site.conftest import PYTHON_SUM

# the same marks as the core races: concurrency, transactional, skipped on SQLite
from tests.test_concurrency_core import THREADS, TIMEOUT, pytestmark, run_together  # noqa: F401


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


# -- submissions racing the teacher's close or the class's archive (issue 12 follow-up, point 3) --

#: How long a blocked thread is given to (wrongly) get through before the blocking transaction commits.
BLOCKED_FOR = 1.0


class Background(threading.Thread):
    """``function()`` in a thread with its own database connection; ``result`` or ``error`` afterwards."""

    def __init__(self, function):
        super().__init__(daemon=True)
        self.function, self.result, self.error = function, None, None

    def run(self):
        try:
            self.result = self.function()
        except Exception as exc:  # noqa: BLE001 -- asserted by the test
            self.error = exc
        finally:
            connection.close()

    def finish(self):
        self.join(TIMEOUT)
        assert not self.is_alive(), "the thread did not finish"
        return self


def _held_open(operation, started, release):
    """``operation()`` in a transaction kept open (its locks held) until ``release`` is set."""

    def run():
        with transaction.atomic():
            result = operation()
            started.set()
            assert release.wait(TIMEOUT), "never released"
        return result

    return run


def _stop(course, what):
    from assignments import services as assignments
    from classes import services as classes

    if what == "close":
        return lambda: assignments.close(course["assignment"])
    return lambda: classes.archive(course["class"])


@pytest.mark.parametrize("what", ["close", "archive"])
def test_a_submission_racing_the_close_or_archive_waits_for_it_and_is_refused(people, course, what):
    from autograder.api import Conflict
    from coursework import services
    from coursework.models import Submission

    from submissions.models import Submission as LibrarySubmission

    stopped, release = threading.Event(), threading.Event()
    stopper = Background(_held_open(_stop(course, what), stopped, release))
    stopper.start()
    assert stopped.wait(TIMEOUT)
    submitter = Background(lambda: services.submit(people["student"], course["question"], PYTHON_SUM))
    submitter.start()
    submitter.join(BLOCKED_FOR)
    waited = submitter.is_alive()  # the close (archive) has not committed: the submission must wait for it
    release.set()
    stopper.finish(), submitter.finish()
    assert stopper.error is None, stopper.error
    assert waited, f"the submission did not wait for the {what} under way"
    assert isinstance(submitter.error, Conflict), submitter.result or submitter.error
    assert not Submission.objects.exists() and not LibrarySubmission.objects.exists()  # nothing half-written


def test_a_close_waits_for_the_submissions_under_way(people, course):
    from assignments.models import Assignment
    from coursework import services
    from coursework.models import Submission

    submitted, release = threading.Event(), threading.Event()
    submitter = Background(
        _held_open(lambda: services.submit(people["student"], course["question"], PYTHON_SUM), submitted, release)
    )
    submitter.start()
    assert submitted.wait(TIMEOUT)
    closer = Background(_stop(course, "close"))
    closer.start()
    closer.join(BLOCKED_FOR)
    waited = closer.is_alive()
    release.set()
    submitter.finish(), closer.finish()
    assert submitter.error is None and closer.error is None, (submitter.error, closer.error)
    assert waited, "the close did not wait for the submission under way"
    submission, assignment = Submission.objects.get(), Assignment.objects.get(pk=course["assignment"].pk)
    assert assignment.status == "closed" and submission.submitted_at < assignment.closed_at


def test_submissions_of_one_assignment_do_not_wait_for_each_other(people, course):
    """The locks are shared: a submission under way does not hold up another student's."""
    from classes import services as classes
    from coursework import services

    classes.join(course["class"], people["other_student"], course["class"].join_code)
    submitted, release = threading.Event(), threading.Event()
    first = Background(
        _held_open(lambda: services.submit(people["student"], course["question"], PYTHON_SUM), submitted, release)
    )
    first.start()
    assert submitted.wait(TIMEOUT)
    second = Background(lambda: services.submit(people["other_student"], course["question"], PYTHON_SUM))
    second.start()
    second.join(TIMEOUT / 2)
    through = not second.is_alive()  # done while the first one still holds its transaction open
    release.set()
    first.finish(), second.finish()
    assert through and second.error is None and first.error is None, (second.error, first.error)


def test_a_join_racing_the_archive_waits_for_it_and_is_refused(people, course):
    from autograder.api import Conflict
    from classes import services as classes
    from classes.models import Enrollment

    archived, release = threading.Event(), threading.Event()
    archiver = Background(_held_open(_stop(course, "archive"), archived, release))
    archiver.start()
    assert archived.wait(TIMEOUT)
    klass = course["class"]
    joiner = Background(lambda: classes.join(klass, people["other_student"], klass.join_code))
    joiner.start()
    joiner.join(BLOCKED_FOR)
    waited = joiner.is_alive()
    release.set()
    archiver.finish(), joiner.finish()
    assert waited and isinstance(joiner.error, Conflict), joiner.result or joiner.error
    assert not Enrollment.objects.filter(student=people["other_student"]).exists()


def test_a_burst_of_runs_from_one_user_gets_exactly_the_runs_in_flight_allowed(people, course):
    """The limit counts under a lock of the user's row: concurrent requests cannot all slip past it."""
    from coursework import runs
    from coursework.models import CodeRun
    from django.test import override_settings
    from rest_framework.exceptions import Throttled

    with override_settings(CODE_RUNS_IN_FLIGHT=2, CODE_RUNS_PER_MINUTE=0):
        results, errors = run_together(lambda _: runs.start_run(people["student"], course["question"], PYTHON_SUM))
    accepted = [result for result in results if result is not None]
    assert len(accepted) == 2 and all(isinstance(error, Throttled) for error in errors if error is not None)
    assert sum(error is not None for error in errors) == THREADS - 2
    assert CodeRun.objects.filter(user=people["student"]).count() == 2
