"""
System checks of the instructor API:

* ``submissions_instructor.E001`` ``INSTRUCTOR_BACKEND`` cannot be imported
* ``submissions_instructor.E002`` ``TASK_RUNNER`` cannot be imported
* ``submissions_instructor.E003`` ``TASK_RUNNER`` is ``"tasks"`` but no Tasks API is installed
* ``submissions_instructor.E004`` drf-spectacular (the ``[instructor]`` extra) is not installed
* ``submissions_instructor.E005`` bulk tasks go to the Tasks API but ``TASK_BACKEND`` is not an alias of
  ``settings.TASKS``
"""

from django.conf import settings
from django.core.checks import Error, register

from submissions.conf import app_settings
from submissions.instructor_v2.compat import HAS_DRF_SPECTACULAR, HAS_TASKS_API

EXTRA_HINT = "pip install 'django-submissions[instructor]'"

__all__ = ["check_instructor_settings"]

_RUNNERS = {None, "inline", "tasks"}


@register()
def check_instructor_settings(app_configs=None, **kwargs):
    errors = []
    try:
        app_settings.import_from("INSTRUCTOR_BACKEND")
    except ImportError as exc:
        errors.append(Error(str(exc), id="submissions_instructor.E001"))
    runner = app_settings.TASK_RUNNER
    if runner not in _RUNNERS:
        try:
            from django.utils.module_loading import import_string

            import_string(runner)
        except ImportError as exc:
            errors.append(
                Error(
                    f"SUBMISSIONS['TASK_RUNNER'] {runner!r} cannot be imported: {exc}", id="submissions_instructor.E002"
                )
            )
    if runner == "tasks" and not HAS_TASKS_API:
        errors.append(
            Error(
                "SUBMISSIONS['TASK_RUNNER'] is 'tasks' but no Tasks API is installed.",
                hint=f"Use Django 6, or {EXTRA_HINT} (the django-tasks backport).",
                id="submissions_instructor.E003",
            )
        )
    aliases = sorted(getattr(settings, "TASKS", None) or {"default": None})  # the Tasks API's own default
    if HAS_TASKS_API and runner in (None, "tasks") and app_settings.TASK_BACKEND not in aliases:
        errors.append(
            Error(
                f"Bulk tasks are enqueued on the Tasks-API backend {app_settings.TASK_BACKEND!r} "
                "(SUBMISSIONS['TASK_BACKEND']), which settings.TASKS does not define.",
                hint=f"Set SUBMISSIONS['TASK_BACKEND'] to one of {aliases}, or add that alias to settings.TASKS.",
                id="submissions_instructor.E005",
            )
        )
    if not HAS_DRF_SPECTACULAR:
        errors.append(
            Error(
                "submissions.instructor_v2 is installed but drf-spectacular, which builds its OpenAPI schema, is not.",
                hint=EXTRA_HINT,
                id="submissions_instructor.E004",
            )
        )
    return errors
