"""App configuration of ``submissions``."""

from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"
    label = "submissions"
    verbose_name = "Submissions"
    # Pinned so that a host's DEFAULT_AUTO_FIELD never produces a migration for our tables.
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from submissions import checks, receivers  # noqa: F401  (registers checks and receivers)
        from submissions.external_grader import checks as _queue_checks  # noqa: F401
        from submissions.external_grader import receivers as _queue_receivers  # noqa: F401
