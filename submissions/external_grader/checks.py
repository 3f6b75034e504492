"""
System checks of the grader queue's settings (registered from ``submissions.apps``):

* ``submissions.E101`` ``SCORE_EVENT_BUS_TOPIC`` is set but openedx-events (the ``[openedx]`` extra) is missing
* ``submissions.E102`` ``SCORE_EVENT_BUS_TOPIC`` is set but ``EVENT_BUS_PRODUCER`` is not
* ``submissions.W101`` ``EVENT_BUS_PRODUCER_CONFIG`` also publishes the score event (published twice,
  openedx-events' handler does not retry failures)
* ``submissions.E103`` ``QUEUES`` / ``FILE_ALLOWED_NAMES`` is not None or a list of strings
* ``submissions.E104`` ``PROCESSING_DELAY`` is not None or a non-negative integer
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from submissions.conf import app_settings

SCORE_EVENT_TYPE = "org.openedx.learning.external_grader.score.submitted.v1"


def _openedx_events_installed():
    try:
        import openedx_events.learning.signals  # noqa: F401
    except ImportError:
        return False
    return True


@register(Tags.compatibility)
def check_queue_settings(app_configs=None, **kwargs):
    messages = []
    topic = app_settings.SCORE_EVENT_BUS_TOPIC
    if topic:
        if not _openedx_events_installed():
            messages.append(
                Error(
                    "SUBMISSIONS['SCORE_EVENT_BUS_TOPIC'] is set but openedx-events is not installed.",
                    hint="pip install 'django-submissions[openedx]'",
                    id="submissions.E101",
                )
            )
        if not getattr(settings, "EVENT_BUS_PRODUCER", None):
            messages.append(
                Error(
                    "SUBMISSIONS['SCORE_EVENT_BUS_TOPIC'] is set but settings.EVENT_BUS_PRODUCER is not.",
                    hint="e.g. EVENT_BUS_PRODUCER = 'edx_event_bus_redis.create_producer'",
                    id="submissions.E102",
                )
            )
    if SCORE_EVENT_TYPE in (getattr(settings, "EVENT_BUS_PRODUCER_CONFIG", None) or {}):
        messages.append(
            Warning(
                f"EVENT_BUS_PRODUCER_CONFIG publishes {SCORE_EVENT_TYPE}; its failures are not retried"
                + (" and the library publishes it too (twice)." if topic else "."),
                hint="Remove it there and set SUBMISSIONS['SCORE_EVENT_BUS_TOPIC'] instead (docs/external_grader.rst).",
                id="submissions.W101",
            )
        )
    for key in ("QUEUES", "FILE_ALLOWED_NAMES"):
        value = getattr(app_settings, key)
        if value is not None and (
            isinstance(value, str)
            or not isinstance(value, (list, tuple, set, frozenset))
            or not all(isinstance(entry, str) for entry in value)
        ):
            messages.append(
                Error(f"SUBMISSIONS[{key!r}] must be None or a list of strings, not {value!r}.", id="submissions.E103")
            )
    delay = app_settings.PROCESSING_DELAY
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int) or delay < 0):
        messages.append(
            Error(
                f"SUBMISSIONS['PROCESSING_DELAY'] must be None or a non-negative integer, not {delay!r}.",
                id="submissions.E104",
            )
        )
    return messages
