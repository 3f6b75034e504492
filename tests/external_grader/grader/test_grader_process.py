"""
The grader as an operator runs it: a process against the library's real endpoints in a live server, killed,
restarted, facing a failing server or wrong credentials (issue 14 points 2 and 7, issue 15 point 4).
"""

import glob
import os
import time

import pytest

from submissions.external_grader.grader.cgroups import CONTROLLERS, PARENT

from .live import json_logs, start_grader, status, submit

pytestmark = pytest.mark.django_db(transaction=True)

SLEEPER = "import time\ntime.sleep(30)\n"


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


def test_a_grader_sweeps_what_a_killed_grader_left(live_server, grader_account, isolation, tmp_path):
    if isolation.level == "none":
        pytest.skip("detected isolation level is 'none': the grader refuses to run learner code")
    limits = {"cpu_seconds": 1, "wall_seconds": 28}
    detail = submit(1, "python", SLEEPER, tests=[{"stdin": "", "expected_stdout": ""}], points=1, limits=limits)
    env = {"GRADER_WORK_ROOT": str(tmp_path)}
    victim = start_grader(live_server.url, env=env)
    try:
        _wait_for(lambda: status(detail) == "pulled", 30, "the item to be pulled")
        with_cgroups = isolation.cgroups is not None
        # mid-run: its run directory and (where cgroups are writable) its run's cgroup directories exist
        _wait_for(lambda: _run_cgroups(victim.pid) or not with_cgroups, 15, "the run's cgroup")
        victim.kill()  # SIGKILL: no clean-up of any kind
        victim.communicate(timeout=10)
    finally:
        if victim.poll() is None:
            victim.kill()
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
    assert sorted(swept["cgroups"]) == sorted(left_cgroups)


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
