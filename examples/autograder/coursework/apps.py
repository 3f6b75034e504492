from django.apps import AppConfig


class CourseworkConfig(AppConfig):
    """The design document's ``submissions`` app, under another name: the library owns that label."""

    name = "coursework"
    verbose_name = "Coursework (submissions and code runs)"

    def ready(self):
        from . import receivers  # noqa: F401 - connects to the library's signals
