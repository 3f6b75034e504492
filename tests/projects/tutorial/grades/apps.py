from django.apps import AppConfig


class GradesConfig(AppConfig):
    name = "grades"

    def ready(self):
        from grades import receivers  # noqa: F401  (connects the receiver)
