"""
The real xqueue-watcher (openedx/xqueue-watcher, vendored in ``../shared/vendor/``, installed by ``tox -e watcher``),
unmodified and with its default settings (1 s request timeout), grading through the library served by gunicorn
(2 sync workers) on 127.0.0.1, on PostgreSQL and on MariaDB: 2 watcher processes x 4 connections, 300
submissions, with

* hand-outs abandoned (the handler answers nothing for the first hand-out of every 10th item): its lease expires
  and the item is handed out again;
* replayed results (a second handler returns the same result for every 7th item: the watcher posts it twice);
* a gunicorn worker killed with ``kill -9`` a third of the way through (the master starts a cold one).

Every grade is recorded exactly once (one score, one score event, the right points), no item is handed out again
while its lease is live, and no watcher connection or process dies. The watcher runs in its own processes with
its own configuration directories; this test process only starts them and reads the databases (no Django
database of pytest-django is used, so both databases run in one session).
"""

import json
import os
import time
from collections import defaultdict

import pytest

from tests.external_grader.watcher import fleet, handler

QUEUE = "watcher-fleet"
USERNAME = "fleet-grader"
SUBMISSIONS = 300
#: The host's PROCESSING_DELAY: how long a hand-out stays reserved for its grader.
LEASE_SECONDS = 4
RUN_SECONDS = 240


def _require_watcher():
    missing = fleet.watcher_missing()
    if missing is None:
        return
    if os.environ.get("SUBMISSIONS_WATCHER_TEST") and fleet.vendored_tarball() is not None:
        pytest.fail(missing)  # tox -e watcher found the source but could not install it
    pytest.skip(missing)


def handouts(workdir):
    path = workdir / "handouts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.slow
@pytest.mark.parametrize("vendor", ["postgres", "mysql"])
def test_real_watcher_fleet_grades_every_submission_once(vendor, tmp_path):
    _require_watcher()
    database = f"{os.environ.get('SUBMISSIONS_TEST_DB_NAME', 'sub_watcher')}_fleet_{vendor}"
    fleet.recreate_database(vendor, database)
    env = fleet.host_env(vendor, database, tmp_path, QUEUE, processing_delay=LEASE_SECONDS)
    setup = fleet.host_tool(env, "setup", "create_grader", USERNAME, QUEUE, SUBMISSIONS)
    killed = None
    progress = []
    with fleet.Server(env, tmp_path / "server", workers=2) as server:
        with fleet.Watchers(tmp_path, server.url, QUEUE, USERNAME, setup["secret"]) as watchers:
            deadline = time.monotonic() + RUN_SECONDS
            while time.monotonic() < deadline and not watchers.dead():
                graded = fleet.count_retired(vendor, database, QUEUE)
                progress.append(graded)
                if killed is None and graded >= SUBMISSIONS // 3:
                    killed = server.kill_worker()
                if graded == SUBMISSIONS:
                    break
                time.sleep(0.5)
            # The watchers' manager checks its connections every POLL_TIME: by now a dead one has been logged.
            dead, died_connections, watcher_errors = watchers.dead(), watchers.died_connections(), watchers.errors()
        requests = server.statuses()
    result = fleet.host_tool(env, "verify", QUEUE)
    fleet.drop_database(vendor, database)
    records = handouts(tmp_path)

    assert setup["password_hash"] == "xqueue_grader_pbkdf2_sha256"
    assert not dead and sum(died_connections) == 0, (dead, died_connections, watcher_errors[-20:])
    assert killed is not None, f"never reached a third of the work: {progress[-10:]}"
    assert result["count"] == SUBMISSIONS
    assert result["statuses"] == {"retired": SUBMISSIONS}, (result["statuses"], progress[-10:])
    assert result["scores_per_submission"] == {"1": SUBMISSIONS}
    assert result["events_per_submission"] == {"1": SUBMISSIONS}
    assert result["wrong_points"] == []
    assert [r for r in requests if r[2] >= 500] == []

    by_submission = defaultdict(list)
    for record in records:
        if record["event"] == "handout":
            by_submission[record["submission_id"]].append(record)
    abandoned = {r["submission_id"] for r in records if r["event"] == "abandon"}
    replayed = {r["submission_id"] for r in records if r["event"] == "replay"}
    # Every 10th item was abandoned once and handed out again after its lease ran out, never before.
    assert len(abandoned) == SUBMISSIONS // handler.ABANDON_EVERY
    assert all(len(by_submission[sid]) >= 2 for sid in abandoned)
    for sid, outs in by_submission.items():
        outs.sort(key=lambda r: r["t"])
        assert len({r["key"] for r in outs}) == len(outs), f"submission {sid} handed out twice with one key"
        for earlier, later in zip(outs, outs[1:], strict=False):
            # Allow for the time the first hand-out took to reach the handler (its lease started at the server).
            assert later["t"] - earlier["t"] >= LEASE_SECONDS - 0.5, (sid, outs)
        # The database counted at least the hand-outs the watchers received (a kill can lose one on the way).
        assert result["attempts"][str(sid)] >= len(outs)
    # Replays went out (posted twice by the watcher) and each still left one score (asserted above).
    assert len(replayed) >= SUBMISSIONS // handler.REPLAY_EVERY - 1
    put_results = sum(1 for method, path, status, _ in requests if path.endswith("/put_result/") and status == 200)
    assert put_results >= SUBMISSIONS + len(replayed) - 4  # a killed worker logs none of its requests
