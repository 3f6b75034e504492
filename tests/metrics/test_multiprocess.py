"""
prometheus_client's multiprocess mode under gunicorn, with real processes: two workers count into files of
``PROMETHEUS_MULTIPROC_DIR``, and a scrape, whichever worker serves it, adds up every worker's counts; a worker
that dies keeps its counts; the hooks of ``submissions.metrics.gunicorn`` start each server run from zero.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.external_grader.xqueue.client import XQueueClient
from tests.external_grader.xqueue.conftest import GRADER_PASSWORD, make_grader
from tests.external_grader.xqueue.test_e2e import QUEUE, enqueue, run_watchers
from tests.metrics.helpers import TOKEN, Scrape, scrape_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _host_database(tmp_path):
    """The running test's database as the server processes reach it (in-memory SQLite: a file copy)."""
    if connection.vendor != "sqlite":
        return str(connection.settings_dict["NAME"])
    path = tmp_path / "host.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()
    return str(path)


class Gunicorn:
    """gunicorn with 2 sync workers and the library's hooks, in multiprocess mode (bounded start-up)."""

    def __init__(self, database, directory):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.metrics.gunicorn_settings",
            "METRICS_HOST_DB_NAME": database,
            "METRICS_HOST_TOKEN": TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(directory),
            "PYTHONPATH": str(ROOT),
        }
        self.directory = directory
        self.process = None
        self.url = None

    def __enter__(self):
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket"]
        command += ["-c", "python:submissions.metrics.gunicorn", "django.core.wsgi:get_wsgi_application()"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stderr=subprocess.PIPE, text=True)
        self.wait_until_serving()
        return self

    def wait_until_serving(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            if len(self.workers()) == 2:
                try:
                    if requests.get(f"{self.url}/xqueue/status/", timeout=2).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.1)
        self.__exit__()
        raise AssertionError(f"gunicorn did not serve: {self.process.stderr.read()[-3000:]}")

    def workers(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def scrape(self):
        return scrape_url(f"{self.url}/metrics/")


def _totals(scrape):
    return (
        scrape.value("submissions_grader_hand_outs_total", queue=QUEUE, attempt="first"),
        scrape.value("submissions_grader_replies_total", queue=QUEUE, result="recorded"),
        scrape.value("submissions_grader_reply_latency_seconds_count", queue=QUEUE),
        scrape.value("submissions_grader_logins_total", result="accepted"),
    )


def _own_counts(directory, pid, tmp_path):
    """What one process counted: its files alone, added up as a scrape adds up all of them."""
    alone = tmp_path / f"alone-{pid}"
    alone.mkdir()
    for path in directory.glob(f"*_{pid}.db"):
        shutil.copy(path, alone / path.name)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(alone))
    return Scrape(generate_latest(registry).decode())


def _grade(server, count):
    """Three watcher connections at once (so both workers serve) until the queue is empty."""
    run, _watchers, _ = run_watchers(server, count, clients=3)
    assert not run.errors and run.graded == count, (run.errors, run.graded, run.statuses)
    return run


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")
def test_gunicorn_workers_add_up(tmp_path):
    make_grader()
    enqueue(20)
    directory = tmp_path / "prometheus"
    with Gunicorn(_host_database(tmp_path), directory) as server:
        first_workers = set(server.workers())
        _grade(server.url, 20)
        # Each worker counted what it served into its own files (how the kernel spread the requests varies).
        handed = {
            pid: _own_counts(directory, pid, tmp_path).value(
                "submissions_grader_hand_outs_total", queue=QUEUE, attempt="first"
            )
            for pid in first_workers
        }
        assert sum(handed.values()) == 20, handed
        scrapes = [server.scrape() for _ in range(8)]  # served by either worker, the same sums
        assert {_totals(scrape) for scrape in scrapes} == {(20, 20, 20, 3)}
        assert scrapes[0].value("submissions_grader_queue_rows", queue=QUEUE, state="pending") == 0
        assert scrapes[0].types["submissions_grader_reply_latency_seconds"] == "histogram"

        # The worker that counted most is killed: gunicorn replaces it, and the other processes, which serve
        # every scrape from now on, add its counts to theirs.
        victim = max(handed, key=handed.get)
        assert handed[victim] > 0
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (victim in server.workers() or len(server.workers()) < 2):
            time.sleep(0.1)
        server.wait_until_serving()
        assert _totals(server.scrape()) == (20, 20, 20, 3)
        for _ in range(4):
            assert XQueueClient(server.url, "grader", GRADER_PASSWORD, timeout=10).login()
        assert _totals(server.scrape()) == (20, 20, 20, 7)

    # The next run starts from zero: on_starting removed the last run's files.
    with Gunicorn(
        _host_database(tmp_path) if connection.vendor != "sqlite" else server.env["METRICS_HOST_DB_NAME"], directory
    ) as again:
        assert _totals(again.scrape()) == (0, 0, 0, 0)
        assert again.scrape().value("submissions_grader_queue_rows", queue=QUEUE, state="pending") == 0
