"""
The autograder site over HTTP: the time from a student's submission to a visible grade, and of code runs.

Starts the site as ``make demo`` does (``examples/autograder/run_demo.py``: SQLite, runserver, the reference
grader on the ``grading`` and ``runs`` queues, bubblewrap sandbox), then, N times one after the other, a
seeded student submits the Python question's solution (``POST /api/submissions/submissions/``) and the
teacher's ``GET /api/submissions/submissions/{id}/`` is polled every 20 ms until it shows status ``graded``
with its score. Prints the median, quartiles and extremes. ``--pause`` waits between submissions, so the
graders' idle polling backs off (×1.5 per empty poll, up to their ``--max-poll-interval``).

``--idle-runs S1 S2 ...`` measures instead a code run (``POST /api/code/run/``) sent to an *idle* grader: one
site per value, whose run-queue grader has that ``--max-poll-interval`` (``DEMO_RUN_MAX_POLL_INTERVAL``); the
sites are served side by side, and each round waits ``--idle`` seconds (long enough for the back-off to reach
its ceiling) plus a random part up to the longest ceiling, then times one run on each site, in alternating
order: an interleaved A/B on the same machine.

    python bench/site_submit_to_grade.py [--submissions 20] [--pause 0] [--code-runs]
    python bench/site_submit_to_grade.py --idle-runs 5 0.5 [--submissions 20] [--idle 20]
"""

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SITE = Path(__file__).resolve().parent.parent / "examples" / "autograder"
sys.path.insert(0, str(SITE))

from coursework.demo_data import ACCOUNTS, QUESTIONS  # noqa: E402

PASSWORDS = {username: password for username, _, password in ACCOUNTS}
SOLUTION = next(q["solution"] for q in QUESTIONS if q["language"] == "python")


def call(base, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["data"]


class Site:
    """One demo site (``run_demo.py``) on a free port, signed in as the student and the teacher."""

    def __init__(self, index=0, **env):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DEMO_PORT": str(port),
            "DEMO_VAR_DIR": tempfile.mkdtemp(prefix="bench-site-"),
            "DEMO_SLOT_UID_BASE": str(61000 + 200 * index),  # sites side by side: their own slot UIDs
            "CODE_RUNS_PER_MINUTE": "0",  # the bench runs back to back, beyond a student's limit
            **env,
        }
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITE.parent.parent), env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            [sys.executable, "run_demo.py"],
            cwd=SITE,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in self.proc.stdout:
            if line.startswith("demo: sandbox isolation level"):
                print(line.strip())
            if line.startswith("demo: API:"):
                break
        else:
            raise SystemExit("the site did not start")
        self.student, self.teacher = self.login("ada"), self.login("teacher")
        assignment = call(self.base, "GET", "/api/assignments/", token=self.student)["results"][0]
        self.question = next(q for q in assignment["questions"] if q["language"] == "python")

    def login(self, username):
        body = {"username": username, "password": PASSWORDS[username]}
        return call(self.base, "POST", "/api/auth/login/", body)["access"]

    def submit_and_wait(self):
        begun = time.monotonic()
        body = {"question_id": self.question["id"], "code": SOLUTION}
        created = call(self.base, "POST", "/api/submissions/submissions/", body, token=self.student)
        while time.monotonic() < begun + 120:
            row = call(self.base, "GET", f"/api/submissions/submissions/{created['id']}/", token=self.teacher)
            if row["status"] == "graded" and row["score"] is not None:
                return time.monotonic() - begun
            time.sleep(0.02)
        raise SystemExit(f"submission {created['id']} was not graded within 120 s")

    def run(self):
        begun = time.monotonic()
        body = {"question_id": self.question["id"], "code": SOLUTION}
        answer = call(self.base, "POST", "/api/code/run/", body, token=self.student)
        if answer["status"] != "completed":
            raise SystemExit(f"a code run ended {answer['status']!r}")
        return time.monotonic() - begun

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=20, help="submissions, runs, or rounds (20)")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between submissions")
    parser.add_argument("--code-runs", action="store_true", help="also time N code runs (POST /api/code/run/)")
    parser.add_argument("--idle-runs", type=float, nargs="+", metavar="SECONDS", help="A/B of idle code runs")
    parser.add_argument("--idle", type=float, default=20.0, help="idle seconds before each round (20)")
    args = parser.parse_args()
    if args.idle_runs:
        return idle_runs(args)
    site = Site()
    try:
        times = []
        for _ in range(args.submissions):
            time.sleep(args.pause)
            times.append(site.submit_and_wait())
        report("submit → visible grade", times, "Python, 3 test cases")
        if args.code_runs:
            runs = []
            for _ in range(args.submissions):
                time.sleep(args.pause)
                runs.append(site.run())
            report("code run → answer", runs, "Python, its 2 visible test cases")
    finally:
        site.stop()
    return 0


def idle_runs(args):
    with contextlib.ExitStack() as stack:
        sites = []
        for index, ceiling in enumerate(args.idle_runs):
            site = Site(index, DEMO_RUN_MAX_POLL_INTERVAL=str(ceiling))
            stack.callback(site.stop)
            sites.append((ceiling, site))
        for _, site in sites:
            site.run()  # warm up: the first run of a site loads what later ones find ready
        times = {ceiling: [] for ceiling, _ in sites}
        for round_no in range(args.submissions):
            # plus a random part as long as the longest ceiling: the graders' polls fall anywhere in their cycle
            time.sleep(args.idle + random.uniform(0, max(args.idle_runs)))
            order = sites if round_no % 2 == 0 else sites[::-1]
            for ceiling, site in order:
                times[ceiling].append(site.run())
        for ceiling, measured in times.items():
            report(f"idle code run, --max-poll-interval {ceiling:g}", measured, "Python, 2 visible test cases")
    return 0


def report(label, times, what):
    q1, median, q3 = statistics.quantiles(times, n=4)
    print(
        f"{label}: median {median * 1000:.0f} ms (quartiles {q1 * 1000:.0f}-{q3 * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; n={len(times)}, {what})",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
