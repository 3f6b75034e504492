"""
Races of the core API, run with real threads against PostgreSQL and MariaDB.

Each thread uses its own database connection (Django opens one per thread) and closes it at the
end. A barrier releases the threads together so that they really contend.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from submissions import api, team_api
from submissions.errors import DuplicateTeamSubmissionsError
from submissions.models import Score, ScoreSummary, StudentItem, Submission, TeamSubmission
from submissions.signals import score_set

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "__import__('django.db', fromlist=['connection']).connection.vendor == 'sqlite'",
        reason="SQLite serialises writers on the database file; the races need a server database",
    ),
]

THREADS = 8
TIMEOUT = 60


def run_together(target, count=THREADS):
    """Run ``target(index)`` in ``count`` threads released together; return (results, errors)."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)
    results, errors = [None] * count, [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = target(index)
        except BaseException as exc:  # noqa: BLE001 -- collected and asserted by the test
            errors[index] = exc
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "threads did not finish in time"
    return results, errors


def item(student_id="racer", item_id="race-item"):
    return {"student_id": student_id, "course_id": "course-race", "item_id": item_id, "item_type": "openassessment"}


def test_concurrent_first_scores_never_lose_the_summary():
    """4.x swallowed the IntegrityError of this race: scores (and their signal) were lost."""
    submissions = [api.create_submission(item(), f"answer {n}") for n in range(THREADS)]
    signalled = []
    lock = threading.Lock()

    def on_set(sender, **kwargs):
        with lock:
            signalled.append(kwargs["points_earned"])

    score_set.connect(on_set, weak=False, dispatch_uid="race-on-set")
    try:
        _, errors = run_together(lambda n: api.set_score(submissions[n]["uuid"], n, THREADS))
    finally:
        score_set.disconnect(dispatch_uid="race-on-set")
    assert errors == [None] * THREADS
    assert Score.objects.count() == THREADS
    summary = ScoreSummary.objects.get()
    assert summary.latest_id == Score.objects.order_by("-id").first().pk
    assert summary.highest.points_earned == THREADS - 1
    assert sorted(signalled) == list(range(THREADS))
    assert api.get_score(item())["points_earned"] == summary.latest.points_earned


def test_concurrent_scores_of_many_items_keep_one_summary_each():
    submissions = [api.create_submission(item(student_id=f"s{n % 2}"), "x") for n in range(THREADS)]
    _, errors = run_together(lambda n: api.set_score(submissions[n]["uuid"], 1, 2))
    assert errors == [None] * THREADS
    assert ScoreSummary.objects.count() == 2


def test_concurrent_first_submissions_share_one_student_item():
    """Get-or-create retries the get after the IntegrityError of a concurrent insert."""
    results, errors = run_together(lambda n: api.create_submission(item(), f"answer {n}"))
    assert errors == [None] * THREADS
    assert StudentItem.objects.count() == 1
    assert len({result["student_item"] for result in results}) == 1
    assert sorted(result["attempt_number"] for result in results) == list(range(1, THREADS + 1))


def test_concurrent_team_submissions_leave_one_active(user_factory):
    """4.x checked, then inserted: concurrent requests could both pass the check."""
    user = user_factory()

    def submit(n):
        return team_api.create_submission_for_team(
            "course-race", "team-item", "team-1", user.pk, [f"member-{n}-a", f"member-{n}-b"], f"answer {n}"
        )

    results, errors = run_together(submit)
    winners = [result for result in results if result is not None]
    assert len(winners) == 1, errors
    assert all(isinstance(error, DuplicateTeamSubmissionsError) for error in errors if error is not None)
    assert TeamSubmission.objects.count() == 1
    assert Submission.objects.count() == 2


def test_team_rule_holds_when_the_caller_commits_late(user_factory):
    """
    The first request is inside a caller's transaction (ATOMIC_REQUESTS) that commits well after
    the team API returned; a second request arriving meanwhile must still be refused.
    """
    user = user_factory()
    created = threading.Event()
    results, errors = {}, {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = team_api.create_submission_for_team(
                    "course-race", "team-item", "team-2", user.pk, ["a"], "first"
                )
                created.set()
                time.sleep(1.0)
        except BaseException as exc:  # noqa: BLE001
            errors["first"] = exc
        finally:
            created.set()
            connection.close()

    def second():
        try:
            assert created.wait(TIMEOUT)
            results["second"] = team_api.create_submission_for_team(
                "course-race", "team-item", "team-2", user.pk, ["b"], "second"
            )
        except BaseException as exc:  # noqa: BLE001
            errors["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first, daemon=True), threading.Thread(target=second, daemon=True)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert "first" in results, errors
    assert isinstance(errors.get("second"), DuplicateTeamSubmissionsError), (results, errors)
    assert time.monotonic() - started >= 1.0  # the second request waited for the first to commit
    assert TeamSubmission.objects.count() == 1


def test_team_rule_after_the_caller_rolls_back(user_factory):
    """A rolled-back team submission does not block the next one (no lock is left behind)."""
    user = user_factory()

    def rolled_back():
        try:
            with transaction.atomic():
                team_api.create_submission_for_team("course-race", "team-item", "team-3", user.pk, ["a"], "first")
                raise RuntimeError("caller failed")
        except RuntimeError:
            return "rolled back"
        finally:
            connection.close()

    results, errors = run_together(lambda n: rolled_back(), count=1)
    assert results == ["rolled back"]
    data = team_api.create_submission_for_team("course-race", "team-item", "team-3", user.pk, ["b"], "second")
    assert data["answer"] == "second"
    assert TeamSubmission.objects.count() == 1


def test_student_item_insert_race_retries_the_get(caplog):
    """
    Deterministic form of the get-or-create race: another transaction has inserted the item but
    not committed when ours looks it up; our insert waits on the unique key, fails with an
    IntegrityError once the other commits, and the retried get returns the committed row.
    """
    inserted = threading.Event()
    outcome = {}

    def other_request():
        try:
            with transaction.atomic():
                StudentItem.objects.create(**item(student_id="raced"))
                inserted.set()
                time.sleep(0.5)
        finally:
            inserted.set()
            connection.close()

    def our_request():
        try:
            assert inserted.wait(TIMEOUT)
            outcome["data"] = api.create_submission(item(student_id="raced"), "answer")
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=other_request, daemon=True), threading.Thread(target=our_request, daemon=True)]
    with caplog.at_level("INFO", logger="submissions.services.student_items"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
    assert "error" not in outcome, outcome
    assert StudentItem.objects.count() == 1
    assert outcome["data"]["student_item"] == StudentItem.objects.get().pk
    assert "was created concurrently" in caplog.text
