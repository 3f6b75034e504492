"""
The host projects of ``bench/xqueue_throughput.py``: this library's (test settings on PostgreSQL, fast grader
hasher) and a tiny one for edx-submissions 4.0.2 in its own virtualenv, each served by gunicorn (2 workers).
"""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TOOL = ROOT / "bench" / "_xqueue_host_tool.py"

PG = {"host": "127.0.0.1", "user": "postgres"}
EDX_VENV = Path(os.environ.get("BENCH_EDX_VENV", "/tmp/sub_xq_edx_venv"))
EDX_REQUIREMENTS = [
    "edx-submissions==4.0.2",
    "Django>=4.2,<6",
    "djangorestframework",
    "openedx-events",
    "gunicorn",
    "psycopg[binary]",
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(name):
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", "-h", PG["host"], "-U", PG["user"], "-qc", sql], check=True, capture_output=True)


class Host:
    """One host project: its Python, environment, and a gunicorn serving it."""

    #: Threads per gunicorn worker (1: the sync worker; more: gunicorn's gthread worker), the same for every host.
    threads = 1

    def __init__(self, label, python, env, cwd, wsgi="django.core.wsgi:get_wsgi_application()"):
        # cwd matters: gunicorn puts it on sys.path, so the edx host must not start in this checkout.
        self.label, self.python, self.env, self.cwd, self.wsgi = label, python, env, str(cwd), wsgi
        self.process = None
        self.url = None

    def tool(self, *args, timeout=900):
        done = subprocess.run(
            [self.python, str(TOOL), *map(str, args)],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"{self.label} tool {args[0]} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self):
        port = free_port()
        gunicorn = Path(self.python).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-w",
                "2",
                "--threads",
                str(self.threads),
                "-b",
                f"127.0.0.1:{port}",
                "--no-control-socket",
                "--log-level",
                "warning",
                self.wsgi,
            ],
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(self.url + "/xqueue/login/", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"{self.label}: gunicorn did not start:\n{self.process.stderr.read().decode()[-3000:]}")
        # Warm every worker (imports, first connection) so cold starts are not measured as load.
        for _ in range(8):
            requests.get(self.url + "/xqueue/login/", timeout=5)

    def worker_pids(self):
        """The gunicorn workers (children of the master)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def our_host(db_name):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "xqueue_host_settings",
            "BENCH_DB_NAME": db_name,
            "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
        }
    )
    return Host("django-submissions (this library)", PYTHON, env, ROOT)


def edx_host(db_name, workdir):
    python = EDX_VENV / "bin" / "python"
    probe = "import importlib.metadata as m; assert m.version('edx-submissions') == '4.0.2'"
    if not (python.exists() and subprocess.run([python, "-c", probe], capture_output=True).returncode == 0):
        print(f"creating {EDX_VENV} and installing {', '.join(EDX_REQUIREMENTS)} from PyPI ...", flush=True)
        subprocess.run([PYTHON, "-m", "venv", str(EDX_VENV)], check=True)
        subprocess.run([str(EDX_VENV / "bin" / "pip"), "install", "-q", *EDX_REQUIREMENTS], check=True)
    version = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('edx-submissions'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"edx-submissions {version} in {EDX_VENV}")
    (workdir / "edx_host_settings.py").write_text(
        textwrap.dedent(
            f"""
            SECRET_KEY = "bench-only"
            DEBUG = False
            USE_TZ = True
            ALLOWED_HOSTS = ["*"]
            ROOT_URLCONF = "edx_host_urls"
            INSTALLED_APPS = [
                "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                "rest_framework", "submissions",
            ]
            MIDDLEWARE = [
                "django.contrib.sessions.middleware.SessionMiddleware",
                "django.middleware.common.CommonMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
            ]
            DATABASES = {{"default": {{
                "ENGINE": "django.db.backends.postgresql", "NAME": "{db_name}", "USER": "postgres",
                "HOST": "127.0.0.1", "PORT": "5432", "CONN_MAX_AGE": 60,
            }}}}
            DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
            CACHES = {{"default": {{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}}
            LOGGING = {{"version": 1, "disable_existing_loggers": False, "root": {{"level": "CRITICAL"}}}}
            """
        )
    )
    (workdir / "edx_host_urls.py").write_text(
        'from django.urls import include, path\n\nurlpatterns = [path("xqueue/", include("submissions.urls"))]\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({"DJANGO_SETTINGS_MODULE": "edx_host_settings", "PYTHONPATH": str(workdir)})
    return Host(f"edx-submissions {version}", str(python), env, workdir)


def cpu_seconds(pids):
    """User + system CPU seconds of the processes ``pids`` (those that ended count as 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def postgres_pids():
    """Every PostgreSQL server process on this machine (the benchmark's backends among them)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return found


class CpuMeter:
    """CPU seconds spent by a host's gunicorn workers, by PostgreSQL and by this process, between two marks."""

    def __init__(self, host):
        self.host = host
        self.start = None

    def _read(self):
        pg = {pid: cpu_seconds([pid]) for pid in postgres_pids()}
        own = os.times()
        return {"workers": cpu_seconds(self.host.worker_pids()), "postgres": pg, "client": own.user + own.system}

    def mark(self):
        self.start = self._read()

    def since_mark(self):
        end = self._read()
        postgres = sum(cpu - self.start["postgres"].get(pid, 0.0) for pid, cpu in end["postgres"].items())
        return {
            "workers": end["workers"] - self.start["workers"],
            "postgres": postgres,
            "client": end["client"] - self.start["client"],
        }
