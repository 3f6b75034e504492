"""
How bulk grading tasks are dispatched (``SUBMISSIONS["TASK_RUNNER"]``).

* ``"inline"``: run in the requesting process, right after the task row is committed.
* ``"tasks"``: enqueue ``tasks.run_grading_task`` on the Tasks-API backend ``TASK_BACKEND`` and queue
  ``TASK_QUEUE`` (django-tasks-db's ``db_worker``, our Celery backend, or the immediate backend).
* ``None`` (default): ``"tasks"`` when a Tasks API is installed (with no ``TASKS`` setting that is its
  immediate backend, which also runs inline), else ``"inline"``.
* any other value: the import string of a class with a ``dispatch(task_id) -> str | None`` method.
"""

import uuid

from django.utils.module_loading import import_string

from submissions.conf import app_settings
from submissions.instructor_v2.compat import HAS_TASKS_API

__all__ = ["InlineRunner", "TasksRunner", "get_runner"]


class InlineRunner:
    """Runs the task at once, in this process."""

    def dispatch(self, task_id):
        from submissions.instructor_v2.services.task_runs import run_task

        run_task(task_id)
        return f"inline-{uuid.uuid4()}"


class TasksRunner:
    """Hands the task to Django's Tasks API."""

    def dispatch(self, task_id):
        from submissions.instructor_v2.tasks import run_grading_task

        if not HAS_TASKS_API:
            raise RuntimeError("SUBMISSIONS['TASK_RUNNER'] is 'tasks' but no Tasks API is installed")
        task = run_grading_task.using(backend=app_settings.TASK_BACKEND, queue_name=app_settings.TASK_QUEUE)
        return str(task.enqueue(str(task_id)).id)


def get_runner():
    """The configured runner instance."""
    choice = app_settings.TASK_RUNNER
    if choice is None:
        choice = "tasks" if HAS_TASKS_API else "inline"
    if choice == "inline":
        return InlineRunner()
    if choice == "tasks":
        return TasksRunner()
    return import_string(choice)()
