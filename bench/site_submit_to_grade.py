"""
The autograder site: time from a student's submission to a visible grade, over HTTP.

Starts the site as ``make demo`` does (``examples/autograder/run_demo.py``: SQLite, runserver, the reference
grader on the ``grading`` and ``runs`` queues, bubblewrap sandbox), then, N times one after the other, a
seeded student submits the Python question's solution (``POST /api/submissions/submissions/``) and the
teacher's ``GET /api/submissions/submissions/{id}/`` is polled every 20 ms until it shows status ``graded``
with its score. Prints the median, quartiles and extremes. ``--pause`` waits between submissions, so the
grader's idle polling has backed off (its interval grows ×1.5 to 5 s while the queue is empty).

    python bench/site_submit_to_grade.py [--submissions 20] [--pause 0] [--code-runs]
"""

import argparse
import json
import os
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


def login(base, username):
    return call(base, "POST", "/api/auth/login/", {"username": username, "password": PASSWORDS[username]})["access"]


def start_site(port, var_dir):
    env = {**os.environ, "DEMO_PORT": str(port), "DEMO_VAR_DIR": var_dir}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITE.parent.parent), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "run_demo.py"], cwd=SITE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    for line in proc.stdout:
        if line.startswith("demo: sandbox isolation level"):
            print(line.strip())
        if line.startswith("demo: API:"):
            return proc
    raise SystemExit("the site did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between submissions")
    parser.add_argument("--code-runs", action="store_true", help="also time N code runs (POST /api/code/run/)")
    args = parser.parse_args()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    proc = start_site(port, tempfile.mkdtemp(prefix="bench-site-"))
    try:
        student, teacher = login(base, "ada"), login(base, "teacher")
        assignment = call(base, "GET", "/api/assignments/", token=student)["results"][0]
        question = next(q for q in assignment["questions"] if q["language"] == "python")
        times = []
        for _ in range(args.submissions):
            time.sleep(args.pause)
            begun = time.monotonic()
            body = {"question_id": question["id"], "code": SOLUTION}
            created = call(base, "POST", "/api/submissions/submissions/", body, token=student)
            deadline = begun + 120
            while time.monotonic() < deadline:
                row = call(base, "GET", f"/api/submissions/submissions/{created['id']}/", token=teacher)
                if row["status"] == "graded" and row["score"] is not None:
                    break
                time.sleep(0.02)
            else:
                raise SystemExit(f"submission {created['id']} was not graded within 120 s")
            times.append(time.monotonic() - begun)
        report("submit → visible grade", times, "Python, 3 test cases")
        if args.code_runs:
            runs = []
            for _ in range(args.submissions):
                time.sleep(args.pause)
                begun = time.monotonic()
                call(base, "POST", "/api/code/run/", {"question_id": question["id"], "code": SOLUTION}, token=student)
                runs.append(time.monotonic() - begun)
            report("code run → answer", runs, "Python, its 2 visible test cases")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def report(label, times, what):
    q1, median, q3 = statistics.quantiles(times, n=4)
    print(
        f"{label}: median {median * 1000:.0f} ms (quartiles {q1 * 1000:.0f}-{q3 * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; n={len(times)}, {what})"
    )


if __name__ == "__main__":
    main()
