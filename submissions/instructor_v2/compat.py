"""
Optional packages of the instructor API, looked up here only:

* Django's Tasks API: ``django.tasks`` on Django 6, the ``django_tasks`` backport on Django 5.2, or nothing
  (then bulk tasks run inline);
* drf-spectacular (the OpenAPI schema and its Swagger UI page): :data:`HAS_DRF_SPECTACULAR`, checked by
  ``submissions_instructor.E004``.
"""

from importlib.util import find_spec

try:  # Django >= 6.0
    from django.tasks import task, task_backends
    from django.tasks.backends.base import BaseTaskBackend
    from django.tasks.base import TaskResult, TaskResultStatus
    from django.tasks.signals import task_enqueued, task_finished, task_started
except ImportError:
    try:  # the backport (in the django-submissions[instructor] extra)
        from django_tasks import task, task_backends
        from django_tasks.backends.base import BaseTaskBackend
        from django_tasks.base import TaskResult, TaskResultStatus
        from django_tasks.signals import task_enqueued, task_finished, task_started
    except ImportError:
        task = task_backends = BaseTaskBackend = TaskResult = TaskResultStatus = None
        task_enqueued = task_finished = task_started = None

HAS_TASKS_API = task is not None
HAS_DRF_SPECTACULAR = find_spec("drf_spectacular") is not None

__all__ = [
    "HAS_DRF_SPECTACULAR",
    "HAS_TASKS_API",
    "BaseTaskBackend",
    "TaskResult",
    "TaskResultStatus",
    "task",
    "task_backends",
    "task_enqueued",
    "task_finished",
    "task_started",
]
