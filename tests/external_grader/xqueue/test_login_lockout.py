"""
Issue 14, point 4: after wrong passwords the login rate limit answered 429 to the next *correct* logins too,
so anyone who knew a grader's username could stop grading. Guessing stays limited; the right secret from
where it logged in before is never refused for other clients' failures (``ratelimit``).
"""

import pytest
from django.test import Client

from tests.external_grader.xqueue.conftest import GRADER_PASSWORD

pytestmark = pytest.mark.django_db

WATCHER, ATTACKER, NEW_HOST = "10.0.0.5", "10.9.9.9", "10.0.0.77"


def login(address, password, username="grader"):
    return Client(REMOTE_ADDR=address).post("/xqueue/login/", {"username": username, "password": password})


def test_wrong_passwords_do_not_lock_out_the_watchers_right_secret(settings, grader):
    settings.SUBMISSIONS = {"LOGIN_RATE_LIMIT": 5, "LOGIN_RATE_WINDOW": 60}
    assert login(WATCHER, GRADER_PASSWORD).status_code == 200  # the watcher's host logs in as every day
    answers = [login(ATTACKER, f"guess-{n}").status_code for n in range(12)]
    assert answers == [401] * 5 + [429] * 7  # guessing is limited
    for _ in range(10):  # the watcher's next logins (each of its connections, each restart) still work
        assert login(WATCHER, GRADER_PASSWORD).status_code == 200


def test_while_a_username_is_attacked_guessing_stays_limited_everywhere(settings, grader):
    settings.SUBMISSIONS = {"LOGIN_RATE_LIMIT": 3, "LOGIN_RATE_WINDOW": 60}
    assert login(WATCHER, GRADER_PASSWORD).status_code == 200
    for n in range(3):
        assert login(f"10.8.0.{n}", "bad").status_code == 401  # one guess from each of many addresses
    assert login(NEW_HOST, "another-guess").status_code == 429  # a new address is refused without a check
    assert login(NEW_HOST, GRADER_PASSWORD).status_code == 429  # (the price: a new host waits for the window)
    assert login(WATCHER, "bad").status_code == 401  # a known pair's wrong password is checked and counted
    assert login(WATCHER, GRADER_PASSWORD).status_code == 200


def test_a_known_pair_that_keeps_guessing_is_limited_too(settings, grader):
    settings.SUBMISSIONS = {"LOGIN_RATE_LIMIT": 3, "LOGIN_RATE_WINDOW": 60}
    assert login(WATCHER, GRADER_PASSWORD).status_code == 200
    assert login("10.0.0.6", GRADER_PASSWORD).status_code == 200
    assert [login(WATCHER, "bad").status_code for _ in range(4)] == [401, 401, 401, 429]
    assert login(WATCHER, GRADER_PASSWORD).status_code == 429
    assert login("10.0.0.6", GRADER_PASSWORD).status_code == 200  # another host of the fleet is not stopped


def test_no_limit_when_disabled(settings, grader):
    settings.SUBMISSIONS = {"LOGIN_RATE_LIMIT": 0}
    assert all(login(ATTACKER, "bad").status_code == 401 for _ in range(15))
    assert login(ATTACKER, GRADER_PASSWORD).status_code == 200
