"""
``make demo``: set up and serve the autograder site with the reference grader running.

migrate → probe the sandbox → seed (a teacher, two students, a class, a published assignment with one
question per language) → serve on 127.0.0.1:$DEMO_PORT (8010) → start two reference graders (the grading
queue and the code-run queue) → print the URL and the accounts → serve until Ctrl-C or SIGTERM, which stop
every process this script started. With ``DEMO_ONCE=1`` it walks the whole flow over HTTP instead
(``demo_walk.py``: one line per step, last line ``demo: N/N graded``) and exits 0 only if all was graded
as expected.

Environment: ``DEMO_PORT`` (8010), ``DEMO_ONCE``, ``DEMO_WORKERS`` (2 per queue), ``DEMO_ALLOW_INSECURE``
(run learner code without a sandbox when none is available: development machines only),
``DEMO_VAR_DIR`` (``var/``: the database, logs; wiped at every start), ``DEMO_RUN_MAX_POLL_INTERVAL`` (0.5:
the longest an idle grader of the code-run queue takes to see a run), ``DEMO_SLOT_UID_BASE`` (61000: the
grading queue's workers run learner code as UIDs 61000, 61001...; the run queue's from 61100).
"""

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
VAR = Path(os.environ.get("DEMO_VAR_DIR") or HERE / "var")
GRADER_PLUGIN = "testcases"  # the library's plugin: its reply has each case's result
#: Per queue: first and longest wait of an idle grader between polls (``--poll-interval``,
#: ``--max-poll-interval``), and the offset of its slot UIDs (each grader process its own UIDs).
#: A student waits on a code run: an idle grader of the run queue looks every 0.5 s at most.
QUEUES = {
    "grading": {"poll": "0.2", "max_poll": "2", "slot_offset": 0},
    "runs": {"poll": "0.1", "max_poll": os.environ.get("DEMO_RUN_MAX_POLL_INTERVAL", "0.5"), "slot_offset": 100},
}
PR_SET_PDEATHSIG = 1


def say(message):
    print(f"demo: {message}", flush=True)


def flag(name):
    return os.environ.get(name, "").lower() in ("1", "true", "yes", "on")


def port_free(host, port):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def answers(url, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def _die_with_parent():
    """Receive SIGTERM when the parent dies, even by SIGKILL (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Children:
    """The processes this script starts, each in its own session, stopped (SIGTERM, then SIGKILL) in reverse."""

    def __init__(self, env):
        self.env, self.procs, self.logs = env, [], []

    def start(self, name, argv, env=None):
        log = open(VAR / f"{name}.log", "w")  # noqa: SIM115 - closed in stop_all
        self.logs.append(log)
        proc = subprocess.Popen(
            argv,
            cwd=HERE,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a terminal's Ctrl-C reaches this script, which stops them in order
            preexec_fn=_die_with_parent,
        )
        self.procs.append((name, proc))
        return proc

    def stop_all(self, timeout=20):
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the clean-up short
            signal.signal(signum, signal.SIG_IGN)
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in reversed(self.procs):
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop in {timeout}s; killing it")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for log in self.logs:
            log.close()
        self.procs, self.logs = [], []


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops the demo the way Ctrl-C does: through the finally below


def probe(env):
    result = subprocess.run(
        [sys.executable, "-m", "submissions.external_grader.grader", "--probe", "--log-level", "WARNING"],
        env=env,
        cwd=HERE,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def main():
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored (a `&` job)
    _die_with_parent()  # `make` killed: stop too (and so stop the children)
    once = flag("DEMO_ONCE")
    host, port = "127.0.0.1", int(os.environ.get("DEMO_PORT", "8010"))
    base_url = f"http://{host}:{port}"
    if not port_free(host, port):
        say(f"port {port} on {host} is in use; stop what runs there or set DEMO_PORT")
        return 2
    shutil.rmtree(VAR, ignore_errors=True)  # every start begins from a fresh database
    VAR.mkdir(parents=True)
    env = {
        **os.environ,
        "SITE_VAR_DIR": str(VAR),
        "PUBLIC_BASE_URL": base_url,
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "autograder.settings",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
    }
    env.pop("DATABASE_URL", None)  # the demo always runs on its own SQLite file
    manage = [sys.executable, str(HERE / "manage.py")]

    def manage_run(*args):
        subprocess.run([*manage, *args], env=env, cwd=HERE, check=True)

    say("migrating the SQLite database")
    manage_run("migrate", "--noinput", "-v0")
    report = probe(env)
    say(f"sandbox isolation level: {report['level']}")
    for item in report["missing"]:
        say(f"  missing: {item}")
    absent = [name for name, ok in report["languages"].items() if not ok]
    if absent:
        say(f"  no runtime for: {', '.join(absent)} (apt-get install gcc g++ default-jdk-headless nodejs)")
    insecure = report["level"] == "none"
    if insecure and not flag("DEMO_ALLOW_INSECURE"):
        say("no sandbox here (install bubblewrap, or run as root); refusing to run learner code.")
        say("DEMO_ALLOW_INSECURE=1 runs it unisolated, on a development machine only.")
        return 3
    password = secrets.token_urlsafe(24)
    say("seeding a teacher, two students, a class and a published assignment")
    manage_run("seed_demo", f"--grader-password={password}")  # token_urlsafe() may start with "-"
    children = Children(env)
    summary = None
    try:
        children.start("server", [*manage, "runserver", f"{host}:{port}", "--noreload", "--skip-checks"])
        if not answers(f"{base_url}/login/", 60):
            say(f"the server did not start; see {VAR / 'server.log'}")
            return 4
        say(f"serving {base_url}/")
        slot_uid_base = int(os.environ.get("DEMO_SLOT_UID_BASE", "61000"))
        for queue, polling in QUEUES.items():
            argv = [
                sys.executable,
                "-m",
                "submissions.external_grader.grader",
                *("--server", base_url, "--queue", queue, "--username", "grader", "--plugin", GRADER_PLUGIN),
                *("--workers", os.environ.get("DEMO_WORKERS", "2")),
                *("--poll-interval", polling["poll"], "--max-poll-interval", polling["max_poll"]),
                *("--slot-uid-base", str(slot_uid_base + polling["slot_offset"])),
                *(["--allow-insecure"] if insecure else []),
            ]
            children.start(f"grader-{queue}", argv, {"GRADER_PASSWORD": password})
        say(f"reference graders started on the queues 'grading' and 'runs' (logs in {VAR})")
        print_accounts(base_url)
        if once:
            from demo_walk import walk

            summary = walk(base_url)
            return 0 if summary[1] and summary[0] == summary[1] else 1
        say("serving until Ctrl-C (or SIGTERM)")
        while all(proc.poll() is None for _, proc in children.procs):
            time.sleep(0.5)
        say("a process stopped unexpectedly; see the logs in " + str(VAR))
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        children.stop_all()
        say("stopped every process it started")
        if summary is not None:
            say(f"{summary[0]}/{summary[1]} graded")  # the last line, as CI reads it


def print_accounts(base_url):
    sys.path.insert(0, str(HERE))
    from coursework.demo_data import ACCOUNTS

    say(f"open {base_url}/ and sign in as:")
    for username, role, password in ACCOUNTS:
        say(f"  {role:8} {username:8} password {password}")
    say(f"  admin    admin    password admin ({base_url}/admin/)")
    say(f"API: {base_url}/api/ (Swagger UI {base_url}/api/docs/), instructor API {base_url}/api/instructor/v2/docs")


if __name__ == "__main__":
    sys.exit(main())
