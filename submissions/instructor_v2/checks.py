"""System checks of the instructor API (ids ``submissions_instructor.E00x``)."""

from django.core.checks import Error, register

from submissions.conf import app_settings

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
    if runner == "tasks":
        from submissions.instructor_v2.compat import HAS_TASKS_API

        if not HAS_TASKS_API:
            errors.append(
                Error(
                    "SUBMISSIONS['TASK_RUNNER'] is 'tasks' but no Tasks API is installed.",
                    hint="Use Django 6, or pip install 'django-submissions[instructor]' (the django-tasks backport).",
                    id="submissions_instructor.E003",
                )
            )
    return errors
