"""
Concurrent grading workers and their supervisor.

Each worker is a thread with its own HTTP session and connection (:class:`XQueueClient`) and its own sandbox
slot (its own slot UID), so runs of different workers never share a UID, a cgroup or a directory. The
supervisor stops them on SIGTERM/SIGINT: a worker finishes the item it holds (grading is bounded by the
sandbox limits) and posts the result before it exits; a second signal abandons the items in hand, which the
server hands out again after its processing delay.

Failures: network errors, timeouts, 5xx and 429 are retried with back-off (:class:`Retry`) by every call,
polls included, and only a poll the server answered "queue empty" counts as idle for ``exit_when_empty``.
A worker gives up when the server has failed for ``give_up_after`` seconds; credentials refused
``login_attempts`` times in a row, a queue the server does not know, or a crash stop the grader too. The
first of these sets :attr:`Supervisor.exit_status` (:class:`ExitStatus`).
"""

import dataclasses
import datetime
import enum
import json
import logging
import signal
import threading
import time

from .client import GaveUp, Interrupted, LoginError, QueueNotFoundError, Retry, XQueueClient
from .plugins import GradingRequest, load_plugin

__all__ = ["GraderConfig", "Worker", "Supervisor", "JsonFormatter", "TextFormatter", "Stats", "ExitStatus"]

logger = logging.getLogger(__name__)


class ExitStatus(enum.IntEnum):
    """The grader's exit status."""

    OK = 0  #: stopped by a signal, ``--max-items`` or ``--exit-when-empty`` after an empty queue
    CRASHED = 1  #: a worker failed unexpectedly (a bug: see its traceback)
    USAGE = 2  #: bad or missing options
    INSECURE = 3  #: no sandbox, and ``--allow-insecure`` not given
    GAVE_UP = 4  #: the server failed (network, 5xx, 429) for ``--give-up-after`` seconds
    LOGIN_REFUSED = 5  #: credentials refused ``--login-attempts`` times in a row (or not a grader account)
    QUEUE_NOT_FOUND = 6  #: the server does not know the queue


@dataclasses.dataclass
class GraderConfig:
    server: str
    queue: str
    username: str
    password: str = dataclasses.field(repr=False)
    workers: int = 2
    plugin: str = "testcases"
    plugin_options: dict = dataclasses.field(default_factory=dict)
    #: Seconds to wait after a poll found the queue empty; each further empty poll waits ×1.5 longer, up to
    #: ``max_poll_interval``: the longest an idle grader takes to see new work (``--max-poll-interval``).
    poll_interval: float = 1.0
    max_poll_interval: float = 5.0
    #: Seconds between login attempts after a refusal.
    login_interval: float = 5.0
    #: Refused logins in a row (all workers together) before the grader stops with LOGIN_REFUSED.
    login_attempts: int = 3
    #: First wait after a transient failure; it doubles up to ``max_retry_interval``.
    retry_interval: float = 0.5
    max_retry_interval: float = 10.0
    #: Seconds of failures in a row after which a worker gives up (None: never).
    give_up_after: float | None = 600.0
    timeout: float = 10.0
    slot_uid_base: int = 61000
    exit_when_empty: bool = False
    max_items: int | None = None


class Stats:
    """Counters shared by the workers (for the final summary and health output)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.graded = 0
        self.posted = 0
        self.rejected = 0
        self.errors = 0
        self.connections = 0
        self.started = time.monotonic()

    def add(self, **counts):
        with self.lock:
            for key, value in counts.items():
                setattr(self, key, getattr(self, key) + value)

    def as_dict(self):
        with self.lock:
            return {
                "graded": self.graded,
                "posted": self.posted,
                "rejected": self.rejected,
                "errors": self.errors,
                "connections": self.connections,
                "seconds": round(time.monotonic() - self.started, 3),
            }


class Fatal(Exception):
    """Stops the whole grader with ``status``."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class LoginGate:
    """Refused logins in a row, counted over every worker (they share the credentials); a success resets it."""

    def __init__(self, attempts):
        self.attempts = max(1, attempts)
        self.lock = threading.Lock()
        self.refusals = 0

    def refused(self):
        """Count a refusal; its number (1-based)."""
        with self.lock:
            self.refusals += 1
            return self.refusals

    def accepted(self):
        with self.lock:
            self.refusals = 0


class Worker(threading.Thread):
    def __init__(self, index, config, sandbox, supervisor):
        super().__init__(name=f"grader-worker-{index}", daemon=True)
        self.index = index
        self.config = config
        self.sandbox = sandbox
        self.supervisor = supervisor
        self.stop = supervisor.stop
        self.abandon = supervisor.abandon
        self.stats = supervisor.stats
        self.idle = supervisor.idles[index]  # set only while this worker's last poll answered "queue empty"
        self.plugin = load_plugin(config.plugin, **config.plugin_options)
        self.client = XQueueClient(config.server, config.username, config.password, timeout=config.timeout)
        self.retry = Retry(
            first=config.retry_interval, maximum=config.max_retry_interval, give_up_after=config.give_up_after
        )

    def log(self, level, event, **fields):
        logger.log(level, event, extra={"fields": {"worker": self.index, "queue": self.config.queue, **fields}})

    def _call(self, what, function, *args, interrupt=None):
        """``function(*args)`` retried while it fails transiently; :class:`Interrupted` when stopped."""

        def on_retry(exc, wait, attempt):
            self.log(logging.WARNING, f"{what} failed", error=str(exc), attempt=attempt, retry_in=round(wait, 2))

        return self.retry.call(function, *args, interrupt=interrupt or self.stop, on_retry=on_retry)

    def _refused(self, exc):
        """Count a refused login (or a session the server keeps refusing); stop the grader at the bound."""
        attempt = self.supervisor.logins.refused()
        bound = self.supervisor.logins.attempts
        self.log(logging.WARNING, "login refused", error=str(exc), attempt=f"{attempt}/{bound}")
        if attempt >= bound:
            raise Fatal(
                ExitStatus.LOGIN_REFUSED,
                f"login refused {attempt} times in a row ({exc}): check the grader's username and password, "
                "and that the account is in the server's grader group",
            )
        self.stop.wait(self.config.login_interval)

    def _login(self):
        while not self.stop.is_set():
            try:
                self._call("login", self.client.login)
                return True
            except LoginError as exc:
                self._refused(exc)
        return False

    def run(self):
        try:
            self._loop()
        except Fatal as exc:
            self.supervisor.fail(exc.status, str(exc), worker=self.index)
        except GaveUp as exc:
            self.supervisor.fail(ExitStatus.GAVE_UP, f"the server kept failing: {exc}", worker=self.index)
        except Interrupted:
            pass  # stopped (or abandoned) while waiting to retry
        except Exception as exc:  # noqa: BLE001 - boundary of the thread: log, never die silently
            logger.exception("worker %s crashed", self.index)
            self.stats.add(errors=1)
            self.supervisor.fail(ExitStatus.CRASHED, f"worker crashed: {exc!r}", worker=self.index)
        finally:
            self.client.logout()
            self.stats.add(connections=self.client.connections)

    def _loop(self):
        if not self._login():
            return
        wait = self.config.poll_interval
        while not self.stop.is_set():
            self.idle.clear()  # until the server answers this poll with "queue empty"
            try:
                item = self._call("poll", self.client.get_submission, self.config.queue)
            except QueueNotFoundError as exc:
                raise Fatal(ExitStatus.QUEUE_NOT_FOUND, f"the server does not know the queue: {exc}") from exc
            except LoginError as exc:  # logged in again, and the server still refuses the session
                self._refused(exc)
                if not self._login():
                    return
                continue
            self.supervisor.logins.accepted()
            if item is None:
                self.idle.set()
                self.stop.wait(wait)
                wait = min(self.config.max_poll_interval, wait * 1.5)  # back off while idle
                continue
            wait = self.config.poll_interval
            self.handle(item)

    def handle(self, item):
        started = time.monotonic()
        request = GradingRequest.from_xqueue(item.header, item.body, item.files)
        try:
            reply = self.plugin.grade(request, self.sandbox)
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not kill the worker
            logger.exception("plugin failed on submission %s", item.submission_id)
            self.log(logging.ERROR, "grading failed", submission_id=item.submission_id, error=repr(exc))
            self.stats.add(errors=1)
            return  # nothing posted: the server hands the item out again after its processing delay
        graded = time.monotonic() - started
        self.stats.add(graded=1)
        if self.abandon.is_set():
            self.log(logging.WARNING, "abandoned", submission_id=item.submission_id)
            return
        try:
            # Retried until posted, refused for good, the give-up time, or a second signal (abandon).
            posted = self._call("put_result", self.client.put_result, item, reply, interrupt=self.abandon)
        except Interrupted:
            self.log(logging.WARNING, "abandoned", submission_id=item.submission_id)
            return
        self.stats.add(posted=int(posted), rejected=int(not posted))
        self.log(
            logging.INFO,
            "graded",
            submission_id=item.submission_id,
            correct=reply["correct"],
            score=round(reply["score"], 4),
            posted=posted,
            grade_seconds=round(graded, 3),
            total_seconds=round(time.monotonic() - started, 3),
        )
        if self.config.max_items is not None and self.stats.as_dict()["graded"] >= self.config.max_items:
            self.stop.set()


class Supervisor:
    """Starts the workers, handles signals, and waits."""

    def __init__(self, config, report, sandbox_options=None):
        self.config = config
        self.report = report
        self.stop = threading.Event()
        self.abandon = threading.Event()
        self.stats = Stats()
        self.logins = LoginGate(config.login_attempts)
        self.exit_status = ExitStatus.OK
        self.reason = None
        self._lock = threading.Lock()
        self.sandboxes = [
            report.sandbox(index, slot_uid_base=config.slot_uid_base, **(sandbox_options or {}))
            for index in range(config.workers)
        ]
        self.idles = [threading.Event() for _ in range(config.workers)]
        self.workers = [Worker(i, config, self.sandboxes[i], self) for i in range(config.workers)]

    def fail(self, status, reason, **fields):
        """Stop every worker (they finish the item in hand); the first failure sets the exit status."""
        with self._lock:
            first = self.exit_status == ExitStatus.OK
            if first:
                self.exit_status, self.reason = ExitStatus(status), reason
        if first:
            logger.error("stopping: %s", reason, extra={"fields": {"exit_status": int(status), **fields}})
        self.stop.set()

    def install_signal_handlers(self):
        def handler(signum, frame):
            if self.stop.is_set():
                logger.warning("second signal %s: abandoning items in hand", signum)
                self.abandon.set()
            else:
                logger.info("signal %s: finishing current items, then stopping", signum)
            self.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def run(self):
        for worker in self.workers:
            worker.start()
        try:
            while any(w.is_alive() for w in self.workers):
                if self.config.exit_when_empty and all(e.is_set() for e in self.idles):
                    # every worker's last poll was answered "queue empty": done
                    self.stop.set()
                for worker in self.workers:
                    worker.join(0.2)
        finally:
            for box in self.sandboxes:
                box.cleanup()
        return self.stats.as_dict()


def _fields(record):
    return getattr(record, "fields", None) or {}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's ``fields`` (no secrets)."""

    def format(self, record):
        data = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in _fields(record).items():
            data[f"field_{key}" if key in data else key] = value  # never overwrite ts/level/logger/msg
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message key=value ...``: the same fields as the JSON lines (the reason included)."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record):
        line = super().format(record)
        extra = " ".join(f"{key}={_text_value(value)}" for key, value in _fields(record).items())
        if not extra:
            return line
        head, newline, rest = line.partition("\n")  # keep a traceback below the fields
        return f"{head} {extra}{newline}{rest}"


def _text_value(value):
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return json.dumps(text) if (not text or any(c.isspace() or c in "\"'=" for c in text)) else text
