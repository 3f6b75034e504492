"""
System checks of the metrics settings (registered from ``submissions.apps``):

* ``submissions.E301`` ``METRICS`` is on but prometheus_client (the ``[metrics]`` extra) is not installed
* ``submissions.E302`` ``METRICS``, ``METRICS_TOKENS`` or ``METRICS_PERMISSION`` has a value of the wrong type
* ``submissions.W301`` ``METRICS`` is on and ``PROMETHEUS_MULTIPROC_DIR`` is set, but is not a writable directory
"""

import os

from django.core.checks import Error, Tags, Warning, register

from submissions import metrics
from submissions.conf import app_settings


def _type_errors():
    errors = []
    if not isinstance(app_settings.METRICS, bool):
        errors.append(f"SUBMISSIONS['METRICS'] must be True or False, not {app_settings.METRICS!r}.")
    tokens = app_settings.METRICS_TOKENS
    if (
        isinstance(tokens, str)
        or not isinstance(tokens, (list, tuple))
        or not all(isinstance(token, str) and token for token in tokens)
    ):
        errors.append(f"SUBMISSIONS['METRICS_TOKENS'] must be a list of non-empty strings, not {tokens!r}.")
    permission = app_settings.METRICS_PERMISSION
    if permission is not None and (not isinstance(permission, str) or permission.count(".") != 1):
        errors.append(
            f"SUBMISSIONS['METRICS_PERMISSION'] must be None or '<app_label>.<codename>', not {permission!r}."
        )
    return errors


@register(Tags.compatibility)
def check_metrics_settings(app_configs=None, **kwargs):
    messages = [Error(text, hint="See docs/settings.rst.", id="submissions.E302") for text in _type_errors()]
    if app_settings.METRICS is not True:
        return messages
    if not metrics.available():
        messages.append(
            Error(
                "SUBMISSIONS['METRICS'] is on but prometheus_client is not installed: nothing is counted and the "
                "metrics page answers 503.",
                hint="pip install 'django-submissions[metrics]'",
                id="submissions.E301",
            )
        )
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and not (os.path.isdir(directory) and os.access(directory, os.W_OK | os.X_OK)):
        messages.append(
            Warning(
                f"PROMETHEUS_MULTIPROC_DIR is {directory!r}, which is not a writable directory: this process "
                "cannot write its metrics.",
                hint="Create it, empty, before the server starts (submissions.metrics.gunicorn does); "
                "see docs/metrics.rst.",
                id="submissions.W301",
            )
        )
    return messages
