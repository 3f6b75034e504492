"""App configuration of ``submissions``."""

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed


class SubmissionsConfig(AppConfig):
    name = "submissions"
    label = "submissions"
    verbose_name = "Submissions"
    # Pinned so that a host's DEFAULT_AUTO_FIELD never produces a migration for our tables.
    default_auto_field = "django.db.models.AutoField"

    def import_models(self):
        # When edx-submissions was installed over this package (ora2 requires it), 4.x's files sit beside ours
        # and importing the models fails somewhere deep; say what happened and what to do (docs/dropin.rst).
        try:
            super().import_models()
        except ImportError as exc:
            from submissions import dropin

            found = dropin.problems()
            if found:
                raise ImproperlyConfigured(" ".join([*found, dropin.FIX])) from exc
            raise

    def ready(self):
        # Checks and receivers register on import. The services and openedx-events are what the first grader
        # reply of a worker would otherwise import while answering it: openedx-events with attrs,
        # opaque-keys and stevedore took 60 ms of CPU there (the XQueue spec, section 4: nothing expensive
        # imported lazily on the first request), paid again by every restarted worker (max_requests).
        from submissions import checks, receivers  # noqa: F401
        from submissions.external_grader import checks as _queue_checks  # noqa: F401

        # routes: the grader interface's views and routes (DRF's views and routers with them), which a fresh
        # worker would otherwise import while loading the URLconf for its first request, often a watcher's first
        # login, whose 1 s timeout ends the watcher (ADR 0051: 50 ms of CPU of the 300 ms such a login took).
        from submissions.external_grader import (
            events,
            queue,  # noqa: F401  (and the services it calls)
            routes,  # noqa: F401
        )
        from submissions.external_grader import receivers as _queue_receivers  # noqa: F401
        from submissions.metrics import checks as _metrics_checks  # noqa: F401
        from submissions.metrics import registry as metrics_registry

        events.openedx_events_available()
        # Metrics (SUBMISSIONS["METRICS"], the [metrics] extra) are switched on here and follow setting changes.
        metrics_registry.configure()
        setting_changed.connect(metrics_registry.on_setting_changed, dispatch_uid="submissions.metrics")
