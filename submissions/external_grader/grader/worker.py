"""
Concurrent grading workers and their supervisor.

Each worker is a thread with its own HTTP session (:class:`XQueueClient`) and its own sandbox slot (its
own slot UID), so runs of different workers never share a UID, a cgroup or a directory. The supervisor
stops them on SIGTERM/SIGINT: a worker finishes the item it holds (grading is bounded by the sandbox
limits) and posts the result before it exits; a second signal abandons the items in hand, which the
server hands out again after its processing delay.
"""

import dataclasses
import datetime
import json
import logging
import signal
import threading
import time

from .client import LoginError, QueueNotFoundError, TransientError, XQueueClient
from .plugins import GradingRequest, load_plugin

__all__ = ["GraderConfig", "Worker", "Supervisor", "JsonFormatter", "Stats"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class GraderConfig:
    server: str
    queue: str
    username: str
    password: str = dataclasses.field(repr=False)
    workers: int = 2
    plugin: str = "testcases"
    plugin_options: dict = dataclasses.field(default_factory=dict)
    poll_interval: float = 1.0
    max_poll_interval: float = 5.0
    login_interval: float = 5.0
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
                "seconds": round(time.monotonic() - self.started, 3),
            }


class Worker(threading.Thread):
    def __init__(self, index, config, sandbox, stop, abandon, stats, idle):
        super().__init__(name=f"grader-worker-{index}", daemon=True)
        self.index = index
        self.config = config
        self.sandbox = sandbox
        self.stop = stop
        self.abandon = abandon
        self.stats = stats
        self.idle = idle  # set while this worker saw an empty queue on its last poll
        self.plugin = load_plugin(config.plugin, **config.plugin_options)
        self.client = XQueueClient(config.server, config.username, config.password, timeout=config.timeout)

    def log(self, level, event, **fields):
        logger.log(level, event, extra={"fields": {"worker": self.index, "queue": self.config.queue, **fields}})

    def _login(self):
        while not self.stop.is_set():
            try:
                self.client.login()
                return True
            except (LoginError, TransientError) as exc:
                self.log(logging.WARNING, "login failed", error=str(exc), retry_in=self.config.login_interval)
                self.stop.wait(self.config.login_interval)
        return False

    def run(self):
        try:
            self._loop()
        except Exception:  # noqa: BLE001 - boundary of the thread: log, never die silently
            logger.exception("worker %s crashed", self.index)
            self.stats.add(errors=1)
        finally:
            self.idle.set()
            self.client.logout()

    def _loop(self):
        if not self._login():
            return
        wait = self.config.poll_interval
        while not self.stop.is_set():
            try:
                item = self.client.get_submission(self.config.queue)
            except QueueNotFoundError as exc:
                self.log(logging.ERROR, "queue not found", error=str(exc))
                item = None
            except LoginError as exc:
                self.log(logging.WARNING, "session lost", error=str(exc))
                if not self._login():
                    return
                continue
            except TransientError as exc:
                self.log(logging.WARNING, "poll failed", error=str(exc))
                item = None
            if item is None:
                self.idle.set()
                self.stop.wait(wait)
                wait = min(self.config.max_poll_interval, wait * 1.5)  # back off while idle
                continue
            self.idle.clear()
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
        posted = self.client.put_result(item, reply, should_stop=self.abandon.is_set)
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
        self.sandboxes = [
            report.sandbox(index, slot_uid_base=config.slot_uid_base, **(sandbox_options or {}))
            for index in range(config.workers)
        ]
        self.idles = [threading.Event() for _ in range(config.workers)]
        self.workers = [
            Worker(i, config, self.sandboxes[i], self.stop, self.abandon, self.stats, self.idles[i])
            for i in range(config.workers)
        ]

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
                    # every worker found the queue empty since its last item: done
                    self.stop.set()
                for worker in self.workers:
                    worker.join(0.2)
        finally:
            for box in self.sandboxes:
                box.cleanup()
        return self.stats.as_dict()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's ``fields`` (no secrets)."""

    def format(self, record):
        data = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in (getattr(record, "fields", None) or {}).items():
            data[f"field_{key}" if key in data else key] = value  # never overwrite ts/level/logger/msg
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)
