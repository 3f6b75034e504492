"""
Run the demo end to end (``make demo`` calls this with the demo's virtualenv):

migrate → probe the sandbox → seed the course and sample submissions → serve on 127.0.0.1:8000 →
start the database task worker (instructor API) and the reference grader → wait until every sample
is graded through the XQueue HTTP protocol → print the results table → keep serving (Ctrl-C stops),
or with ``DEMO_ONCE=1`` stop everything and exit 0 only if every sample was graded as expected.

Environment: ``DEMO_PORT`` (8000), ``DEMO_WORKERS`` (2), ``DEMO_ALLOW_INSECURE`` (run learner code
without a sandbox when none is available: development machines only), ``DEMO_TIMEOUT`` (600 s).
"""

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


def wait_http(url, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def stop(proc, name, timeout=30):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        say(f"{name} did not stop in {timeout}s; killing it")
        proc.kill()
        proc.wait()


def main():
    once = flag("DEMO_ONCE")
    host, port = "127.0.0.1", int(os.environ.get("DEMO_PORT", "8000"))
    base_url = f"http://{host}:{port}"
    if not port_free(host, port):
        say(f"port {port} on {host} is in use; stop what runs there or set DEMO_PORT")
        return 2
    shutil.rmtree(VAR, ignore_errors=True)  # every run starts from a fresh database
    VAR.mkdir(parents=True)
    env = {
        **os.environ,
        "DEMO_VAR_DIR": str(VAR),
        "DEMO_BASE_URL": base_url,
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "demo_site.settings",
    }
    manage = [sys.executable, str(HERE / "manage.py")]

    def run(args, **kwargs):
        return subprocess.run(args, env={**env, "DEMO_LOG_LEVEL": "WARNING"}, cwd=HERE, check=True, **kwargs)

    say("migrating the SQLite database")
    run([*manage, "migrate", "--noinput", "-v0"])

    probe = subprocess.run(
        [sys.executable, "-m", "submissions.external_grader.grader", "--probe", "--log-level", "WARNING"],
        env=env,
        cwd=HERE,
        capture_output=True,
        text=True,
    )
    report = json.loads(probe.stdout)
    say(f"sandbox isolation level: {report['level']}")
    for item in report["missing"]:
        say(f"  missing: {item}")
    absent = [name for name, ok in report["languages"].items() if not ok]
    if absent:
        say(
            f"  languages without a runtime here (not seeded): {', '.join(absent)}; "
            "install: apt-get install gcc g++ default-jdk-headless nodejs"
        )
    insecure = report["level"] == "none"
    if insecure and not flag("DEMO_ALLOW_INSECURE"):
        say(
            "no sandbox is available (install bubblewrap, or run as root); refusing to run learner code. "
            "Set DEMO_ALLOW_INSECURE=1 to run it unisolated on a development machine."
        )
        return 3

    password = secrets.token_urlsafe(24)
    say("seeding the course, problems, learners and sample submissions")
    run([*manage, "seed_demo", "--grader-password", password])

    procs = {}
    logs = {name: open(VAR / f"{name}.log", "w") for name in ("server", "worker", "grader")}  # noqa: SIM115
    try:
        procs["server"] = subprocess.Popen(
            [*manage, "runserver", f"{host}:{port}", "--noreload"],
            env=env,
            cwd=HERE,
            stdout=logs["server"],
            stderr=subprocess.STDOUT,
        )
        if not wait_http(f"{base_url}/xqueue/status/", 60):
            say(f"the server did not start; see {VAR / 'server.log'}")
            return 4
        say(f"serving on {base_url}")
        try:
            import django_tasks_db  # noqa: F401
        except ImportError:
            pass
        else:
            procs["worker"] = subprocess.Popen(
                [*manage, "db_worker"], env=env, cwd=HERE, stdout=logs["worker"], stderr=subprocess.STDOUT
            )
        grader_cmd = [
            sys.executable,
            "-m",
            "submissions.external_grader.grader",
            "--server",
            base_url,
            "--queue",
            "demo",
            "--username",
            "demo-grader",
            "--workers",
            os.environ.get("DEMO_WORKERS", "2"),
            "--poll-interval",
            "0.5",
        ]
        if insecure:
            grader_cmd.append("--allow-insecure")
        started = time.monotonic()
        procs["grader"] = subprocess.Popen(
            grader_cmd,
            env={**env, "GRADER_PASSWORD": password},
            cwd=HERE,
            stdout=logs["grader"],
            stderr=subprocess.STDOUT,
        )
        say(f"grader started (logs: {VAR / 'grader.log'}); grading every sample through the XQueue protocol")
        result = subprocess.run(
            [*manage, "demo_report", "--wait", os.environ.get("DEMO_TIMEOUT", "600")],
            env={**env, "DEMO_LOG_LEVEL": "WARNING"},
            cwd=HERE,
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
        print(result.stdout, end="", flush=True)
        if result.returncode:
            print(result.stderr, end="", file=sys.stderr, flush=True)
        last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "demo: 0/0 graded"
        say(f"graded in {elapsed:.1f}s")
        pages = ["/", "/feedback/1/", "/admin/login/", "/api-auth/login/", "/xqueue/status/"]
        if procs.get("worker"):
            pages += ["/api/instructor/v2/docs", "/api/instructor/v2/schema"]
        broken = [page for page in pages if not wait_http(base_url + page, 10)]
        if broken:
            say(f"pages not answering 200: {', '.join(broken)}")
            result.returncode = result.returncode or 1
        else:
            say(f"pages answer 200: {', '.join(pages)}")
        if once:
            for name in ("grader", "worker", "server"):
                stop(procs.get(name), name)
            print(last, flush=True)
            return 0 if result.returncode == 0 else 1
        say(
            f"open {base_url}/ (results), {base_url}/admin/ (user admin, password admin), "
            f"{base_url}/api/instructor/v2/docs (Swagger UI), {base_url}/xqueue/status/"
        )
        say("still serving and grading; press Ctrl-C to stop")
        try:
            procs["server"].wait()
        except KeyboardInterrupt:
            say("stopping")
        return 0
    finally:
        for name in ("grader", "worker", "server"):
            stop(procs.get(name), name)
        for handle in logs.values():
            handle.close()


if __name__ == "__main__":
    sys.exit(main())
