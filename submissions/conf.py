"""
The library's settings: one namespaced Django setting, ``SUBMISSIONS = {...}``.

This is the only module that reads ``django.conf.settings`` for our keys. Values are read live on
every access (``app_settings.PROCESSING_DELAY``), so ``override_settings`` works in tests and no
cache has to be reset. Every key, its default and meaning is listed in :data:`DEFAULTS` and in
``docs/settings.rst``; unknown keys are reported by the system check ``submissions.E001``.

Legacy edx-submissions settings are honoured where a 4.x deployment may have set them:
``EDX_SUBMISSIONS["MEDIA"]`` (file storage) and ``SUBMISSION_PROCESSING_DELAY`` (minutes).
"""

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

__all__ = ["DEFAULTS", "IMPORT_STRINGS", "REMOVED_SETTINGS", "AppSettings", "app_settings"]

#: Every key of ``settings.SUBMISSIONS`` with its default value.
DEFAULTS = {
    # -- files of external-grader submissions (submissions.external_grader.files) --
    # Alias in settings.STORAGES for submission files. None: EDX_SUBMISSIONS["MEDIA"] if set, else
    # the "default" storage.
    "FILE_STORAGE": None,
    # Limits checked before anything is stored.
    "FILE_MAX_COUNT": 20,
    "FILE_MAX_BYTES": 4 * 1024 * 1024,
    "FILE_MAX_TOTAL_BYTES": 16 * 1024 * 1024,
    # Allowed original file names as fnmatch patterns; None allows any safe name.
    "FILE_ALLOWED_NAMES": None,
    # Lifetime of the signed download URLs handed to graders, in seconds.
    "FILE_URL_MAX_AGE": 3600,
    # Absolute base URL ("https://lms.example.com") used to build file URLs outside a request.
    "PUBLIC_BASE_URL": None,
    # -- the grader queue (submissions.external_grader.queue) --
    # Known queue names; None: a queue is known once a grader row exists for it.
    "QUEUES": None,
    # Seconds a pulled row is reserved for its grader before it may be handed out again.
    # None: SUBMISSION_PROCESSING_DELAY (minutes, edx-submissions 4.x) if set, else 300.
    "PROCESSING_DELAY": None,
    # Hand-outs allowed per submission (a failed recording ends its hand-out); at the cap the row fails
    # for good with the failure notice. 0: no cap.
    "MAX_ATTEMPTS": 5,
    # Seconds a row in "retry" waits before it is eligible again (multiplied by its failures).
    "RETRY_BACKOFF": 30,
    # Retire a student item's earlier unfinished grader rows when a new one is created.
    "INVALIDATE_PRIOR_ATTEMPTS": True,
    # Send the "could not be graded" score event when a submission fails for good. The default message is
    # translated into the active language when the notice is written (a host's own message is used as it is).
    "FAILURE_NOTICE": True,
    "FAILURE_MESSAGE": _(
        "<div class='capa_alert'>Your submission could not be graded. "
        "Please contact course staff or submit again.</div>"
    ),
    # Redelivery of score events whose receivers failed (the outbox).
    "EVENT_MAX_DELIVERY_ATTEMPTS": 10,
    # Event-bus topic (without EVENT_BUS_TOPIC_PREFIX) to which the outbox publishes score events,
    # retrying failed publishes; None: no bus publish by the library. Needs the [openedx] extra.
    "SCORE_EVENT_BUS_TOPIC": None,
    # -- the XQueue-compatible grader interface (submissions.external_grader.views) --
    # Group whose members may use the grader interface.
    "GRADER_GROUP": "xqueue",
    # {username: [queue names]} restricting grader accounts to queues; absent users may use all.
    "GRADER_QUEUES": {},
    # Seconds a session may skip re-checking that its user is still a grader (saves a query per request);
    # 0 checks on every request. Deactivated users are refused at once either way.
    "GRADER_CHECK_INTERVAL": 60,
    # Answer unauthenticated grader calls with 302 to login/ (legacy watchers) instead of 401.
    "XQUEUE_LEGACY_REDIRECT": False,
    # Failed logins allowed per username and per client address in LOGIN_RATE_WINDOW seconds.
    "LOGIN_RATE_LIMIT": 10,
    "LOGIN_RATE_WINDOW": 300,
    # -- the instructor grading API (submissions.instructor_v2) --
    # Import string of the grading backend class.
    "INSTRUCTOR_BACKEND": "submissions.instructor_v2.backends.DefaultGradingBackend",
    # Seconds after which a running task that reported no progress may be failed as stalled.
    "TASK_STALL_TIMEOUT": 3600,
    # Learners processed per batch (and per progress report) by bulk tasks.
    "TASK_BATCH_SIZE": 100,
    # How bulk tasks run: None (auto: the Tasks API when settings.TASKS is set, else inline), "inline",
    # "tasks", or the import string of a runner class (submissions.instructor_v2.runners).
    "TASK_RUNNER": None,
    # Alias in settings.TASKS and queue name the Tasks-API runner enqueues bulk tasks on.
    "TASK_BACKEND": "default",
    "TASK_QUEUE": "default",
    # Import string of a callable(submission, student_item, only_if_higher, requester) that re-evaluates a
    # submission without an external grader row; None: such learners cannot be rescored.
    "INSTRUCTOR_RESCORE_HOOK": None,
    # Import string of a callable(user, course_key) -> anonymous student id; None: str(user.pk).
    "INSTRUCTOR_ANONYMOUS_ID": None,
    # Import string of a callable(course_key, usage_key) -> problem dict or None; None: derived from data.
    "INSTRUCTOR_PROBLEM_INFO": None,
    # Import string of a callable(course_key) -> GradingConfig dict or None (404); None: no policy.
    "INSTRUCTOR_GRADING_POLICY": None,
    # -- Prometheus metrics (submissions.metrics; the [metrics] extra) --
    # Count hand-outs, replies, failures and logins, and serve the metrics page (docs/metrics.rst).
    "METRICS": False,
    # Bearer tokens that may read the metrics page (a scraper's Authorization: Bearer <token>).
    "METRICS_TOKENS": [],
    # Permission a logged-in user needs to read the metrics page; None: tokens only.
    "METRICS_PERMISSION": "submissions.view_externalgraderdetail",
}

#: Keys whose values are import strings, resolved by ``app_settings.import_from``.
IMPORT_STRINGS = {
    "INSTRUCTOR_BACKEND",
    "INSTRUCTOR_RESCORE_HOOK",
    "INSTRUCTOR_ANONYMOUS_ID",
    "INSTRUCTOR_PROBLEM_INFO",
    "INSTRUCTOR_GRADING_POLICY",
}

#: Keys that existed once, with what to do instead (reported by a system check).
REMOVED_SETTINGS = {}


class AppSettings:
    """Live view of ``settings.SUBMISSIONS`` merged over :data:`DEFAULTS`."""

    @property
    def user_settings(self):
        value = getattr(settings, "SUBMISSIONS", None)
        # A non-dict value is reported by check submissions.E005; reads fall back to the defaults meanwhile.
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown SUBMISSIONS setting: {name!r}")
        return self.user_settings.get(name, DEFAULTS[name])

    @property
    def FAILURE_MESSAGE(self):  # noqa: N802  (the setting's name, read as every other key is)
        """The failure notice's HTML: the host's, else the default translated into the active language."""
        return str(self.user_settings.get("FAILURE_MESSAGE", DEFAULTS["FAILURE_MESSAGE"]))

    def import_from(self, name):
        """Import the object named by the import-string setting ``name``."""
        value = getattr(self, name)
        try:
            return import_string(value)
        except ImportError as exc:
            raise ImportError(f"Could not import {value!r} for SUBMISSIONS[{name!r}]: {exc}") from exc

    @property
    def processing_delay_seconds(self):
        """The processing delay in seconds, honouring 4.x ``SUBMISSION_PROCESSING_DELAY`` (minutes)."""
        configured = self.PROCESSING_DELAY
        if configured is not None:
            return configured
        legacy_minutes = getattr(settings, "SUBMISSION_PROCESSING_DELAY", None)
        if legacy_minutes is not None:
            return legacy_minutes * 60
        return 300

    @property
    def legacy_media(self):
        """``EDX_SUBMISSIONS["MEDIA"]`` of edx-submissions 4.x, or None."""
        return (getattr(settings, "EDX_SUBMISSIONS", None) or {}).get("MEDIA")

    @property
    def read_replica_alias(self):
        """``"read_replica"`` when the host configures that database alias, else None."""
        return "read_replica" if "read_replica" in settings.DATABASES else None


app_settings = AppSettings()
