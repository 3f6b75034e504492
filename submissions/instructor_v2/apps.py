"""App configuration of the instructor grading API."""

from django.apps import AppConfig


class InstructorConfig(AppConfig):
    name = "submissions.instructor_v2"
    label = "submissions_instructor"
    verbose_name = "Submissions: instructor grading"
    # Pinned so that a host's DEFAULT_AUTO_FIELD never produces a migration for our tables.
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from submissions.instructor_v2 import checks  # noqa: F401  (registers the system checks)
