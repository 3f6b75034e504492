"""
The grader as an operator runs it: a process against the library's real endpoints in a live server, killed,
restarted, facing a failing server or wrong credentials (issue 14 points 2 and 7, issue 15 point 4).
"""

import glob
import os
import pathlib
import shutil
import tempfile
import time

import pytest

from submissions.external_grader import queue
from submissions.external_grader.grader.cgroups import CONTROLLERS, PARENT

from .live import json_logs, running, start_grader, status, submit
from .programs import SUM, SUM_TESTS
from .proxy import FaultyProxy

pytestmark = pytest.mark.django_db(transaction=True)

SLEEPER = "import time\ntime.sleep(30)\n"
LOGIN, POLL, REPLY = "/xqueue/login/", "/xqueue/get_submission/", "/xqueue/put_result/"


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _run_cgroups(pid):
    return [
        path
        for controller in CONTROLLERS
        for path in glob.glob(os.path.join("/sys/fs/cgroup", controller, PARENT, f"run-{pid}-*"))
    ]


@pytest.fixture
def work_root():
    """A work root the slot UIDs can reach, as an operator's would be (pytest's tmp_path is below a 0700 one)."""
    path = tempfile.mkdtemp(prefix="grader-work-root-", dir="/tmp")
    os.chmod(path, 0o711)
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


def test_a_work_root_the_slot_uids_cannot_reach_is_refused(live_server, grader_account, tmp_path):
    """Below a 0700 directory the full sandbox cannot start: the grader says so and exits 2, not run with less."""
    grader = start_grader(live_server.url, "--exit-when-empty", env={"GRADER_WORK_ROOT": str(tmp_path)})
    stderr = _wait_exit(grader, 60)
    assert grader.returncode == 2, stderr
    [refusal] = [entry for entry in json_logs(stderr) if entry["level"] == "error"]
    assert "is not searchable by other users" in refusal["msg"] and str(tmp_path) in refusal["msg"]


def test_a_grader_sweeps_what_a_killed_grader_left(live_server, grader_account, isolation, work_root):
    if isolation.level == "none":
        pytest.skip("detected isolation level is 'none': the grader refuses to run learner code")
    limits = {"cpu_seconds": 1, "wall_seconds": 28}
    detail = submit(1, "python", SLEEPER, tests=[{"stdin": "", "expected_stdout": ""}], points=1, limits=limits)
    tmp_path = work_root
    env = {"GRADER_WORK_ROOT": str(tmp_path)}
    victim = start_grader(live_server.url, env=env)
    with running(victim):
        _wait_for(lambda: status(detail) == "pulled", 30, "the item to be pulled")
        with_cgroups = isolation.cgroups is not None
        # mid-run: its run directory and (where cgroups are writable) its run's cgroup directories exist
        try:
            _wait_for(lambda: _run_cgroups(victim.pid) or not with_cgroups, 45, "the run's cgroup")
        except AssertionError as exc:  # say what the grader was doing instead (a CI run once got here)
            victim.kill()
            log = victim.communicate(timeout=10)[1].splitlines()[-30:]
            cgroups = glob.glob(os.path.join("/sys/fs/cgroup", "*", PARENT, "*"))
            raise AssertionError(f"{exc}; cgroups: {cgroups}; the grader's log:\n" + "\n".join(log)) from None
        victim.kill()  # SIGKILL: no clean-up of any kind
        victim.communicate(timeout=10)
    left_dirs = glob.glob(str(tmp_path / "submissions-grader-*"))
    left_cgroups = _run_cgroups(victim.pid)
    assert left_dirs, "the killed grader left no run directory (the test did not kill it mid-run)"
    assert left_cgroups or not with_cgroups

    successor = start_grader(live_server.url, "--exit-when-empty", env=env, slot=11)
    _, stderr = successor.communicate(timeout=60)
    assert successor.returncode == 0, stderr
    assert not [path for path in left_dirs if os.path.exists(path)], "run directories of the dead grader remain"
    assert not _run_cgroups(victim.pid), "cgroup directories of the dead grader remain"
    assert glob.glob(str(tmp_path / "submissions-grader-*")) == []  # and the successor removed its own
    [swept] = [entry for entry in json_logs(stderr) if entry["msg"] == "removed what dead graders left"]
    assert sorted(swept["directories"]) == sorted(left_dirs)
    assert set(left_cgroups) <= set(swept["cgroups"])  # with those of other dead graders on this host, if any


def test_the_sweep_leaves_a_live_graders_directories_alone(isolation, tmp_path, monkeypatch):
    """A second grader starting beside a live one removes nothing of it (its lock is held)."""
    from submissions.external_grader.grader.leftovers import sweep

    if isolation.level == "none":
        pytest.skip("detected isolation level is 'none'")
    monkeypatch.setenv("GRADER_WORK_ROOT", str(tmp_path))
    box = isolation.sandbox(0)
    try:
        assert box.base_dir.startswith(str(tmp_path))
        swept = sweep(str(tmp_path))
        assert swept["directories"] == [] and os.path.isdir(box.base_dir)
    finally:
        box.cleanup()


def _wait_exit(proc, timeout):
    with running(proc):
        return proc.communicate(timeout=timeout)[1]


def _submit_sums(count, start=100):
    return [submit(start + index, "python", SUM["python"], tests=SUM_TESTS[:1], points=1) for index in range(count)]


@pytest.fixture
def proxy(live_server):
    with FaultyProxy(live_server.url) as server:
        yield server


def test_exit_when_empty_rides_out_server_errors_and_network_errors(proxy, grader_account, isolation):
    """5xx answers and reset connections on polls and replies are retried; only "queue empty" ends the run."""
    if isolation.level == "none":
        pytest.skip("detected isolation level is 'none': the grader refuses to run learner code")
    details = _submit_sums(4)
    proxy.fail(503, paths={POLL, REPLY})  # logging in works; the queue's database is "down"
    grader = start_grader(proxy.url, "--exit-when-empty", "--give-up-after", "120", workers=2)
    with running(grader):
        _wait_for(lambda: proxy.count(POLL) >= 4 or grader.poll() is not None, 30, "failed polls")
        assert grader.poll() is None, "the grader stopped while the server was failing"
        proxy.fail("reset", paths={POLL, REPLY})  # then the network fails too
        _wait_for(lambda: proxy.count(POLL) >= 6 or grader.poll() is not None, 30, "reset polls")
        assert grader.poll() is None, "the grader stopped while the network was failing"
        proxy.recover()
        stderr = _wait_exit(grader, 120)
    assert grader.returncode == 0, stderr
    assert [status(detail) for detail in details] == ["retired"] * 4
    logs = json_logs(stderr)
    failures = [entry for entry in logs if entry["msg"] == "poll failed"]
    assert any("HTTP 503" in entry["error"] for entry in failures), failures
    assert any("Reset" in entry["error"] or "Disconnected" in entry["error"] for entry in failures), failures
    [stopped] = [entry for entry in logs if entry["msg"] == "grader stopped"]
    assert stopped["posted"] == 4 and stopped["exit_status"] == 0


def test_a_grader_that_gives_up_exits_non_zero(proxy, grader_account, isolation):
    if isolation.level == "none":
        pytest.skip("detected isolation level is 'none': the grader refuses to run learner code")
    details = _submit_sums(2)
    proxy.fail(500)
    grader = start_grader(proxy.url, "--exit-when-empty", "--give-up-after", "2", workers=2)
    stderr = _wait_exit(grader, 60)
    assert grader.returncode == 4, stderr
    assert [status(detail) for detail in details] == ["pending"] * 2
    [stopping] = [entry for entry in json_logs(stderr) if entry["msg"].startswith("stopping:")]
    assert "the server kept failing" in stopping["msg"] and "HTTP 500" in stopping["msg"], stopping
    assert stopping["exit_status"] == 4


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_wrong_password_stops_after_bounded_attempts_with_the_reason_logged(proxy, grader_account, log_format):
    options = ["--login-attempts", "3", "--login-interval", "0.2", "--log-format", log_format]
    grader = start_grader(proxy.url, *options, password="not-the-password", workers=2)
    stderr = _wait_exit(grader, 60)
    assert grader.returncode == 5, stderr
    assert 3 <= proxy.count(LOGIN, "POST") <= 4  # 3 in a row, plus at most one already under way in a worker
    refusals = [line for line in stderr.splitlines() if "login refused" in line]
    assert refusals and all("Incorrect login credentials" in line for line in refusals), stderr
    assert "not-the-password" not in stderr


def test_one_connection_per_worker_and_a_reconnect_when_the_server_drops_it(proxy, grader_account, isolation):
    """Every poll, login and reply of a worker travels on one keep-alive connection (issue 15 point 4)."""
    if isolation.level == "none":
        pytest.skip("detected isolation level is 'none': the grader refuses to run learner code")
    first = _submit_sums(3)
    grader = start_grader(proxy.url, workers=2)
    with running(grader):
        _wait_for(lambda: all(status(detail) == "retired" for detail in first), 60, "the first items graded")
        _wait_for(lambda: proxy.count(POLL) >= 3 + 2, 10, "idle polls")
        assert proxy.accepted == 2, proxy.requests
        proxy.drop_connections()  # while the workers wait between polls, as a server restart or idle timeout does
        second = _submit_sums(3, start=200)
        _wait_for(lambda: all(status(detail) == "retired" for detail in second), 60, "the next items graded")
        grader.terminate()
        stderr = _wait_exit(grader, 30)
    assert grader.returncode == 0, stderr
    assert proxy.accepted == 4, proxy.requests  # one reconnection per worker
    per_connection = {}
    for number, _, path, _ in proxy.requests:
        per_connection.setdefault(number, []).append(path)
    assert all(len(paths) > 1 for paths in per_connection.values()), per_connection
    assert proxy.count(LOGIN, "POST") == 2  # the session survived the reconnection
    [stopped] = [entry for entry in json_logs(stderr) if entry["msg"] == "grader stopped"]
    assert stopped["connections"] == 4


def _idle_polls(proxy, seconds, *options, env=None):
    """Polls of an empty queue by one idle worker in ``seconds`` (from its first poll)."""
    before = proxy.count(POLL)
    grader = start_grader(proxy.url, "--poll-interval", "0.05", *options, env=env)
    with running(grader):
        _wait_for(lambda: proxy.count(POLL) > before or grader.poll() is not None, 30, "the first poll")
        time.sleep(seconds)
        polls = proxy.count(POLL) - before
        grader.terminate()
        stderr = _wait_exit(grader, 30)
    assert grader.returncode == 0, stderr
    return polls


def test_max_poll_interval_bounds_how_long_an_idle_grader_waits(proxy, grader_account, isolation):
    """Issue 12 follow-up: the idle back-off's ceiling is an option (and GRADER_MAX_POLL_INTERVAL), not 5 s."""
    if isolation.level == "none":
        pytest.skip("detected isolation level is 'none': the grader refuses to run learner code")
    queue.retire(ids=[detail.pk for detail in _submit_sums(1)], notice=False)  # a known queue, empty
    # the default ceiling: 0.05, 0.075, 0.11 ... 0.85, 1.28 s: about 9 polls in 3 s, then one per 5 s at most
    backing_off = _idle_polls(proxy, 3)
    # a 0.1 s ceiling: a poll every 0.1 s or so, about 30 in 3 s
    short = _idle_polls(proxy, 3, env={"GRADER_MAX_POLL_INTERVAL": "0.1"})
    flagged = _idle_polls(proxy, 3, "--max-poll-interval", "0.1")
    assert backing_off <= 12, backing_off
    assert short >= 2 * backing_off and flagged >= 2 * backing_off, (backing_off, short, flagged)


@pytest.mark.parametrize(
    "options", [["--max-poll-interval", "0"], ["--poll-interval", "2", "--max-poll-interval", "1"]]
)
def test_poll_intervals_out_of_order_are_a_usage_error(options):
    grader = start_grader("http://127.0.0.1:9", *options)
    stderr = _wait_exit(grader, 30)
    assert grader.returncode == 2, stderr
    assert "--max-poll-interval" in stderr


def test_a_long_first_wait_alone_raises_the_ceiling_with_it():
    """A deployment that set only GRADER_POLL_INTERVAL above 5 s before the ceiling was an option still starts."""
    grader = start_grader("http://127.0.0.1:9", "--give-up-after", "1", env={"GRADER_POLL_INTERVAL": "8"})
    stderr = _wait_exit(grader, 60)
    assert grader.returncode not in (0, 2), stderr  # it ran, found no server, and gave up
    assert "--max-poll-interval" not in stderr
