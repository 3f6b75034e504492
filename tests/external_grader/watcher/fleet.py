"""
The real xqueue-watcher against the library served by gunicorn on 127.0.0.1: what ``test_real_watcher.py`` and
``bench/xqueue_watcher_fleet.py`` share.

* :func:`vendored_tarball` / :func:`watcher_missing`: where the watcher's source is, and why it cannot run;
* :func:`recreate_database`, :func:`host_env`, :func:`host_tool`: a host database and its setup (``host_tool``);
* :class:`Server`: gunicorn with N sync workers; knows when each worker has loaded the app (a hook writes its
  pid), and kills one with ``SIGKILL``;
* :class:`Watchers`: N watcher processes (``python -m xqueue_watcher -d DIR``), each with its own configuration
  directory, run unmodified with their default settings (1 s request timeout);
* :func:`login_times`: each connection's first login, read from the watcher's own DEBUG log lines.

The watcher is AGPL code: it is installed into the virtualenv (``tox -e watcher``), never copied here.
"""

import contextlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VENDOR_DIRS = (ROOT.parent / "shared" / "vendor", Path("/work/shared/vendor"))
TARBALL_GLOB = "xqueue-watcher-*.tar.gz"
HANDLER = "tests.external_grader.watcher.handler"


def vendored_tarball():
    """The vendored source of xqueue-watcher (``../shared/vendor/``), or None."""
    for directory in VENDOR_DIRS:
        found = sorted(directory.glob(TARBALL_GLOB))
        if found:
            return found[-1]
    return None


def watcher_missing():
    """Why the real watcher cannot run here (a sentence), or None when it can."""
    if importlib.util.find_spec("xqueue_watcher") is not None:
        return None
    if vendored_tarball() is None:
        return (
            f"xqueue-watcher is not installed and its source ({TARBALL_GLOB}) is in none of "
            f"{', '.join(map(str, VENDOR_DIRS))} (a clone outside the shared setup)"
        )
    return f"xqueue-watcher is not installed in this virtualenv: tox -e watcher installs {vendored_tarball()}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Databases: the drivers of the test requirements, no client programs needed.


def _connect(vendor, name=None):
    if vendor == "postgres":
        import psycopg

        return psycopg.connect(host="127.0.0.1", user="postgres", dbname=name or "postgres", autocommit=True)
    import MySQLdb

    connection = MySQLdb.connect(host="127.0.0.1", user="root", password="", **({"database": name} if name else {}))
    connection.autocommit(True)
    return connection


def recreate_database(vendor, name):
    with contextlib.closing(_connect(vendor)) as connection, contextlib.closing(connection.cursor()) as cursor:
        if vendor == "postgres":
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        else:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


def drop_database(vendor, name):
    with contextlib.closing(_connect(vendor)) as connection, contextlib.closing(connection.cursor()) as cursor:
        if vendor == "postgres":
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def count_retired(vendor, name, queue):
    """How many of ``queue``'s submissions are graded (one cheap query, no Django in this process)."""
    with contextlib.closing(_connect(vendor, name)) as connection, contextlib.closing(connection.cursor()) as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM submissions_externalgraderdetail WHERE queue_name = %s AND status = 'retired'",
            [queue],
        )
        return cursor.fetchone()[0]


# The host.


def host_env(vendor, db_name, workdir, queue, processing_delay=300):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.external_grader.watcher.host_settings",
        "PYTHONPATH": str(ROOT),
        "WATCHER_HOST_DB": vendor,
        "WATCHER_HOST_DB_NAME": db_name,
        "WATCHER_HOST_QUEUE": queue,
        "WATCHER_HOST_PROCESSING_DELAY": str(processing_delay),
        "SUBMISSIONS_TEST_MEDIA_ROOT": str(Path(workdir) / "media"),
    }


def host_tool(env, *args, timeout=300):
    """Run ``host_tool.py`` with the host's settings; its JSON output."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.external_grader.watcher.host_tool", *map(str, args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"host_tool {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


_GUNICORN_HOOKS = r'''
import os


def post_worker_init(worker):
    """Each worker, once it has loaded the app, appends its pid (the harness waits for them)."""
    with open(os.environ["FLEET_BOOTED_FILE"], "a") as booted:
        booted.write(f"{os.getpid()}\n")
'''


class Server:
    """gunicorn serving the host with ``workers`` sync workers on 127.0.0.1; logs in ``workdir``."""

    def __init__(self, env, workdir, workers=2, threads=1, preload=False):
        self.env, self.workdir, self.workers, self.threads, self.preload = env, Path(workdir), workers, threads, preload
        self.process = None
        self.url = None
        self.booted_file = self.workdir / "gunicorn-booted"
        self.access_log = self.workdir / "gunicorn-access.log"
        self.error_log = self.workdir / "gunicorn-error.log"

    def start(self, timeout=90):
        self.workdir.mkdir(parents=True, exist_ok=True)
        hooks = self.workdir / "gunicorn_hooks.py"
        hooks.write_text(_GUNICORN_HOOKS)
        self.booted_file.write_text("")
        port = free_port()
        argv = [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            str(hooks),
            "-w",
            str(self.workers),
            "--threads",
            str(self.threads),
            "-b",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(D)s",
            "--error-logfile",
            str(self.error_log),
            *(["--preload"] if self.preload else []),
            "django.core.wsgi:get_wsgi_application()",
        ]
        env = {**self.env, "FLEET_BOOTED_FILE": str(self.booted_file)}
        self.process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        # Ready when every worker has loaded the app, and not one request served: the workers are as cold as a
        # deployment's just after a start, before its first health check.
        deadline = time.monotonic() + timeout
        while len(self.booted()) < self.workers:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not start:\n{self.error_log.read_text()[-3000:]}")
            time.sleep(0.1)
        return self

    def booted(self):
        """Pids of workers that have loaded the app (respawned ones included)."""
        return [int(pid) for pid in self.booted_file.read_text().split()]

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_worker(self):
        """``kill -9`` one worker (the master starts another); its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def statuses(self):
        """``(method, path, status, microseconds)`` of each request in the access log."""
        entries = []
        for line in self.access_log.read_text().splitlines():
            method, path, status, micros = line.split()
            entries.append((method, path, int(status), int(micros)))
        return entries

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# The watchers.

#: The watcher's own defaults (xqueue_watcher/settings.py), written out so the run shows them.
WATCHER_DEFAULTS = {"REQUESTS_TIMEOUT": 1, "POLL_INTERVAL": 1, "LOGIN_POLL_INTERVAL": 5, "POLL_TIME": 10}
LOG_FORMAT = "%(created).6f %(process)d %(threadName)s %(name)s %(levelname)s %(message)s"


def queue_config(server, queue, username, secret, connections, handlers):
    """One ``conf.d`` entry of the watcher."""
    return {
        queue: {
            "SERVER": server,
            "AUTH": [username, secret],
            "CONNECTIONS": connections,
            "HANDLERS": [{"HANDLER": handler} for handler in handlers],
        }
    }


class Watchers:
    """``processes`` watcher processes with ``connections`` each, logging to ``workdir/watcher-N/``."""

    def __init__(
        self,
        workdir,
        server,
        queue,
        username,
        secret,
        processes=2,
        connections=4,
        handlers=(f"{HANDLER}.grade", f"{HANDLER}.replay"),
        debug=False,
    ):
        self.workdir = Path(workdir)
        self.directories = []
        for index in range(processes):
            directory = self.workdir / f"watcher-{index}"
            (directory / "conf.d").mkdir(parents=True, exist_ok=True)
            (directory / "xqwatcher.json").write_text(json.dumps(WATCHER_DEFAULTS))
            config = queue_config(server, queue, username, secret, connections, handlers)
            (directory / "conf.d" / f"{queue}.json").write_text(json.dumps(config))
            logging_config = {
                "version": 1,
                "disable_existing_loggers": False,
                "formatters": {"plain": {"format": LOG_FORMAT}},
                "handlers": {
                    "file": {
                        "class": "logging.FileHandler",
                        "filename": str(directory / "watcher.log"),
                        "formatter": "plain",
                    }
                },
                "root": {"handlers": ["file"], "level": "DEBUG" if debug else "INFO"},
            }
            (directory / "logging.json").write_text(json.dumps(logging_config))
            self.directories.append(directory)
        self.processes = []

    def start(self):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "WATCHER_FLEET_DIR": str(self.workdir)}
        for directory in self.directories:
            with open(directory / "stderr", "w") as stderr:
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "xqueue_watcher", "-d", str(directory)],
                        env=env,
                        cwd=self.workdir,
                        stdout=stderr,
                        stderr=subprocess.STDOUT,
                    )
                )
        return self

    def dead(self):
        """Indexes of watcher processes that have exited."""
        return [index for index, process in enumerate(self.processes) if process.poll() is not None]

    def died_connections(self):
        """Per process, how many of its connection threads ended (``Exception in thread ...`` on its stderr)."""
        return [
            sum(line.startswith("Exception in thread") for line in _read(directory / "stderr").splitlines())
            for directory in self.directories
        ]

    def log_lines(self):
        for directory in self.directories:
            yield from _read(directory / "watcher.log").splitlines()

    def errors(self):
        return [line for line in self.log_lines() if " ERROR " in line]

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()  # the manager's SIGTERM handler shuts its clients down
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _read(path):
    """A log's text so far ("" before its writer created it)."""
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


_LINE = re.compile(r"^(?P<t>\d+\.\d+) (?P<pid>\d+) (?P<thread>\S+) (?P<logger>\S+) (?P<level>\S+) (?P<message>.*)$")


def login_times(lines):
    """
    Each connection's first login, from the watcher's DEBUG log (``debug=True``): ``{(pid, thread): {"get": s,
    "post": s or None}}``. The CSRF ``GET login/`` runs from the client's "Trying to login" line to urllib3's
    line for its response, the credential ``POST login/`` from there to the POST's response line; ``None``: no
    answer (the request timed out and, on a first login, the connection died).
    """
    found = {}
    for line in lines:
        match = _LINE.match(line)
        if match is None:
            continue
        key, t, message = (match["pid"], match["thread"]), float(match["t"]), match["message"]
        entry = found.get(key)
        if message.startswith("Trying to login") and entry is None:
            found[key] = {"start": t, "get_at": None, "post_at": None}
        elif entry is not None and '"GET /xqueue/login/ ' in message and entry["get_at"] is None:
            entry["get_at"] = t
        elif entry is not None and '"POST /xqueue/login/ ' in message and entry["post_at"] is None:
            entry["post_at"] = t
    return {
        key: {
            "get": None if e["get_at"] is None else e["get_at"] - e["start"],
            "post": None if e["post_at"] is None or e["get_at"] is None else e["post_at"] - e["get_at"],
        }
        for key, e in found.items()
    }
