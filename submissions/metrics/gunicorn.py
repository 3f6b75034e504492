"""
Gunicorn server hooks for prometheus_client's multiprocess mode (``docs/metrics.rst``).

Every worker writes its values to files in ``PROMETHEUS_MULTIPROC_DIR``, and a scrape, served by any worker,
adds up all the files. Use these hooks from the gunicorn configuration, with the directory set in the master's
environment::

    PROMETHEUS_MULTIPROC_DIR=/run/submissions-metrics gunicorn -c python:submissions.metrics.gunicorn ...

or, in a configuration file of your own, ``from submissions.metrics.gunicorn import on_starting, child_exit``.
"""

import glob
import os

__all__ = ["on_starting", "child_exit"]


def on_starting(server):
    """Start from an empty directory: files left by an earlier run would be added to this one's counts."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        server.log.warning("PROMETHEUS_MULTIPROC_DIR is not set: metrics are counted per worker")
        return
    os.makedirs(directory, exist_ok=True)
    for path in glob.glob(os.path.join(directory, "*.db")):
        os.remove(path)


def child_exit(server, worker):
    """Let prometheus_client drop the live gauges of a worker that exited (its counters keep counting)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
