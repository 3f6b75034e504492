"""
Tasks-API task functions: thin wrappers, taking ids, over :mod:`submissions.instructor_v2.services`.

``run_grading_task`` is a ``Task`` of Django's Tasks API when one is installed (see ``compat``), so any
Tasks backend (django-tasks-db's database worker, our Celery backend, the immediate backend) runs it.
"""

from submissions.instructor_v2.compat import task

__all__ = ["run_grading_task"]


def _run_grading_task(task_id):
    from submissions.instructor_v2.services.task_runs import run_task

    return run_task(task_id)


def run_grading_task(task_id):
    """Run (or resume) the bulk grading task ``task_id``; returns its final state."""
    return _run_grading_task(task_id)


if task is not None:
    run_grading_task = task()(run_grading_task)
