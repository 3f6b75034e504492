from django.apps import AppConfig


class AutograderConfig(AppConfig):
    name = "autograder"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the library's signals
