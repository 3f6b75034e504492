"""
A Tasks-API backend that hands tasks to Celery (``pip install django-submissions[celery]``).

``django-tasks-celery`` needs Django 6 and Python 3.12, so this small backend serves Django 5.2 (and 6):
``enqueue`` sends the Celery task :data:`EXECUTE_TASK_NAME` with the Tasks-API task's import path and
arguments to the Celery queue named like the Tasks queue; a Celery worker that imports this module
runs it. Configuration::

    TASKS = {
        "celery": {
            "BACKEND": "submissions.instructor_v2.celery_backend.CeleryBackend",
            "QUEUES": ["grading"],
            # either the host's Celery app, or a broker URL for an app of our own
            "OPTIONS": {"APP": "myproject.celery.app"},  # or {"BROKER_URL": "amqp://..."}
        }
    }
    SUBMISSIONS = {"TASK_BACKEND": "celery", "TASK_QUEUE": "grading"}

and the worker: ``celery -A myproject worker -Q grading`` with ``app.conf.include`` (or
``autodiscover_tasks``) importing ``submissions.instructor_v2.celery_backend``.
"""

import uuid

from celery import Celery, current_app, shared_task
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

from submissions.instructor_v2.compat import (
    BaseTaskBackend,
    TaskResult,
    TaskResultStatus,
    task_enqueued,
)

__all__ = ["CeleryBackend", "EXECUTE_TASK_NAME", "execute_task"]

#: Name of the Celery task that runs a Tasks-API task in a worker.
EXECUTE_TASK_NAME = "submissions.instructor_v2.execute_task"


class CeleryBackend(BaseTaskBackend):
    """Tasks-API backend whose ``enqueue`` sends the task to a Celery broker (no results are stored)."""

    supports_defer = True
    supports_async_task = False
    supports_get_result = False
    supports_priority = False

    def __init__(self, alias, params):
        super().__init__(alias, params)
        self._app = None

    @property
    def app(self):
        if self._app is None:
            if self.options.get("APP"):
                self._app = import_string(self.options["APP"])
            elif self.options.get("BROKER_URL"):
                self._app = Celery(
                    f"submissions-tasks-{self.alias}", broker=self.options["BROKER_URL"], set_as_current=False
                )
                self._app.conf.update(self.options.get("CONFIG", {}))
            else:
                self._app = current_app
        return self._app

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result_id = str(uuid.uuid4())
        self.app.send_task(
            EXECUTE_TASK_NAME,
            args=[task.module_path, list(args), dict(kwargs)],
            task_id=result_id,
            queue=task.queue_name,
            eta=task.run_after,
        )
        result = TaskResult(
            task=task,
            id=result_id,
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            finished_at=None,
            last_attempted_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        task_enqueued.send(type(self), task_result=result)
        return result


@shared_task(name=EXECUTE_TASK_NAME, acks_late=True, reject_on_worker_lost=True)
def execute_task(module_path, args, kwargs):
    """Run the Tasks-API task at ``module_path`` in this Celery worker (thin: the task does the work)."""
    close_old_connections()
    try:
        task = import_string(module_path)
        return task.call(*args, **kwargs) if hasattr(task, "call") else task(*args, **kwargs)
    finally:
        close_old_connections()
