"""
The demo end to end, as ``DEMO_ONCE=1 make demo`` runs it after its virtualenv exists: migrate, seed, serve,
grade every sample over HTTP with the reference grader, and check each outcome.

It takes ~30-60 s, so it runs in one tox environment only (Python 3.12 on SQLite, from the source tree).
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import submissions
from submissions.external_grader.grader.probe import probe

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_once_grades_every_sample_as_expected(tmp_path):
    if os.environ.get("SUBMISSIONS_TEST_DB", "sqlite") != "sqlite" or sys.version_info[:2] != (3, 12):
        pytest.skip("the demo runs once per tox run: in the Python 3.12 / SQLite environment")
    if "site-packages" in submissions.__file__:
        pytest.skip("the demo runs from the source tree, not from the built wheel")
    if probe().level == "none":
        pytest.skip("detected isolation level is 'none': the demo refuses to run learner code")
    env = {**os.environ, "DEMO_ONCE": "1", "DEMO_PORT": str(_free_port()), "DEMO_VAR_DIR": str(tmp_path / "var")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # the library as this test session imports it (installed by tox, or the checkout when run from source)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(submissions.__file__).parents[1]), env.get("PYTHONPATH")])
    )
    result = subprocess.run(
        [sys.executable, "run.py"], cwd=ROOT / "demo", env=env, capture_output=True, text=True, timeout=600
    )
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    last = lines[-1]
    assert last.startswith("demo: ") and last.endswith(" graded"), last
    done, total = last.split()[1].split("/")
    assert done == total and int(total) >= 4, last
    assert "sandbox isolation level:" in result.stdout
