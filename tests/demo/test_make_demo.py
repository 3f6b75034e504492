"""
``make demo`` as its runner (``examples/autograder/run_demo.py``) does it once its virtualenv exists:

* ``DEMO_ONCE=1``: migrate, seed, serve, start the reference graders, walk the whole flow over HTTP (one line
  per step) and end with ``demo: N/N graded``, exit 0;
* served: ``demo: serving http://127.0.0.1:PORT/`` once it answers, the accounts printed; SIGTERM or Ctrl-C
  (SIGINT) stops every process it started, and a second start on the same port works.

They take ~30-60 s, so they run in one tox environment only (Python 3.12 on SQLite, from the source tree).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import submissions
from submissions.external_grader.grader.probe import probe

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "examples" / "autograder"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _only_once_per_tox_run():
    if os.environ.get("SUBMISSIONS_TEST_DB", "sqlite") != "sqlite" or sys.version_info[:2] != (3, 12):
        pytest.skip("the demo runs once per tox run: in the Python 3.12 / SQLite environment")
    if "site-packages" in submissions.__file__:
        pytest.skip("the demo runs from the source tree, not from the built wheel")
    if probe().level == "none":
        pytest.skip("detected isolation level is 'none': the demo refuses to run learner code")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path, port, **extra):
    env = {**os.environ, "DEMO_PORT": str(port), "DEMO_VAR_DIR": str(tmp_path / "var"), **extra}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEMO_ONCE"):
        env.pop(name, None)
    env.update(extra)
    # the library as this test session imports it (installed by tox, or the checkout when run from source)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(submissions.__file__).parents[1]), env.get("PYTHONPATH")])
    )
    return env


def test_demo_once_walks_the_whole_flow_over_http(tmp_path):
    port = _free_port()
    result = subprocess.run(
        [sys.executable, "run_demo.py"],
        cwd=SITE,
        env=_env(tmp_path, port, DEMO_ONCE="1"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-3000:]
    assert lines[-2] == "demo: stopped every process it started" and lines[-1].endswith(" graded")
    last = next(line for line in reversed(lines) if line.endswith(" graded"))
    done, total = last.split()[1].split("/")
    assert done == total and int(total) >= 6, last
    assert f"demo: serving http://127.0.0.1:{port}/" in lines
    steps = [line for line in lines if line.startswith("demo: [")]
    for needle in ("registered", "created class", "joined", "created assignment", "published", "ran python",
                   "submitted", "graded", "autograder again", "by hand", "published", "notifications",
                   "instructor API"):  # fmt: skip
        assert any(needle in step for step in steps), needle
    assert "sandbox isolation level:" in result.stdout


def _start(tmp_path, port):
    proc = subprocess.Popen(
        [sys.executable, "run_demo.py"],
        cwd=SITE,
        env=_env(tmp_path, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines, deadline = [], time.monotonic() + 180
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("demo: API:"):  # the last line of the accounts block
            return proc, lines
    proc.kill()
    pytest.fail("the demo did not start:\n" + "\n".join(lines))


@pytest.mark.parametrize(("stop_signal", "starts"), [(signal.SIGTERM, 2), (signal.SIGINT, 1)])
def test_a_signal_stops_every_process_and_a_second_start_works(tmp_path, stop_signal, starts):
    port = _free_port()
    for _ in range(starts):  # a second start on the same port proves the first left nothing behind
        proc, lines = _start(tmp_path, port)
        assert f"demo: serving http://127.0.0.1:{port}/" in lines
        assert any("teacher  teacher  password" in line for line in lines)
        assert sum("student" in line and "password" in line for line in lines) == 2
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 3  # the server and a grader per queue
        proc.send_signal(stop_signal)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert "demo: stopped every process it started" in out
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, alive
        with pytest.raises(ConnectionRefusedError):  # nothing listens on the port any more
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
