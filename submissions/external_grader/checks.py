"""
System checks of the grader queue's settings (registered from ``submissions.apps``):

* ``submissions.E101`` ``SCORE_EVENT_BUS_TOPIC`` is set but openedx-events (the ``[openedx]`` extra) is missing
* ``submissions.E102`` ``SCORE_EVENT_BUS_TOPIC`` is set but ``EVENT_BUS_PRODUCER`` is not
* ``submissions.W101`` ``EVENT_BUS_PRODUCER_CONFIG`` also publishes the score event (published twice,
  openedx-events' handler does not retry failures)
* ``submissions.E103`` ``QUEUES`` / ``FILE_ALLOWED_NAMES`` is not None or a list of strings
* ``submissions.E104`` ``PROCESSING_DELAY`` is not None or a non-negative integer
* ``submissions.E105`` the grader interface is mounted but grader sessions have no table
  (``django.contrib.sessions`` missing with a database session engine): every grader login would fail
* ``submissions.W102`` the grader interface is mounted but the grader hasher is not in ``PASSWORD_HASHERS``
  (grader logins pay the slow default hasher and :func:`~submissions.external_grader.hashers.set_grader_password`
  refuses to work)
* ``submissions.W110`` (a database check: ``manage.py check --database default``, and ``migrate``) active
  accounts of the grader group whose password is not hashed with the grader hasher: each login pays the host's
  slow hasher, and a fleet of watchers logging in at once loses connections to their 1 s timeout
"""

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, router
from django.urls import NoReverseMatch, reverse

from submissions.conf import app_settings
from submissions.external_grader.hashers import GRADER_HASHER_ALGORITHM, GRADER_HASHER_PATH

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


def grader_interface_mounted():
    """Whether the host's URLconf serves the grader (XQueue) interface, under either of its URLconfs."""
    if not getattr(settings, "ROOT_URLCONF", None):
        return False  # a host without URLs (a worker, a script's settings) serves nothing; reverse() would raise
    for name in ("xqueue:xqueue-login", "xqueue-login"):
        try:
            reverse(name)
        except NoReverseMatch:
            continue
        return True
    return False


_DATABASE_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


@register(Tags.compatibility, Tags.urls)
def check_grader_interface(app_configs=None, **kwargs):
    if not grader_interface_mounted():
        return []
    messages = []
    sessions_in_database = settings.SESSION_ENGINE in _DATABASE_SESSION_ENGINES
    if sessions_in_database and "django.contrib.sessions" not in settings.INSTALLED_APPS:
        messages.append(
            Error(
                "The grader interface (xqueue/) is mounted, but grader sessions are stored in the database and "
                "django.contrib.sessions is not installed: every grader login would fail.",
                hint="Add 'django.contrib.sessions' to INSTALLED_APPS and run migrate.",
                id="submissions.E105",
            )
        )
    if GRADER_HASHER_PATH not in settings.PASSWORD_HASHERS:
        messages.append(
            Warning(
                "The grader interface (xqueue/) is mounted, but the grader hasher is not in PASSWORD_HASHERS: "
                "grader logins pay the slow default hasher (xqueue-watcher allows 1 s) and set_grader_password() "
                "and the create_grader command cannot be used.",
                hint=f"Add {GRADER_HASHER_PATH!r} to PASSWORD_HASHERS, after your preferred hasher "
                "(docs/graders.rst, Grader accounts).",
                id="submissions.W102",
            )
        )
    return messages


#: How many accounts W110 names (then "and N more").
_NAMED_ACCOUNTS = 10


@register(Tags.database)
def check_grader_account_hashers(app_configs=None, databases=None, **kwargs):
    """
    W110: grader-group accounts whose password hash is slow. A database check, as Django's convention has it
    (they run with ``check --database ALIAS`` and before ``migrate``), so a plain ``check`` needs no database.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    alias = router.db_for_read(user_model)
    if not databases or alias not in databases or not grader_interface_mounted():
        return []
    try:
        user_model._meta.get_field("groups")
    except FieldDoesNotExist:  # a user model without Django's groups has no grader group
        return []
    try:
        user_model._meta.get_field("is_active")
        active = {"is_active": True}
    except FieldDoesNotExist:
        active = {}
    username = user_model.USERNAME_FIELD
    try:
        names = list(
            user_model._default_manager.db_manager(alias)
            .filter(groups__name=app_settings.GRADER_GROUP, **active)
            .exclude(password__startswith=GRADER_HASHER_ALGORITHM + "$")
            .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
            .order_by(username)
            .values_list(username, flat=True)
            .distinct()
        )
    except DatabaseError:  # not migrated yet: nothing to name
        return []
    if not names:
        return []
    shown = ", ".join(map(repr, names[:_NAMED_ACCOUNTS]))
    more = f" and {len(names) - _NAMED_ACCOUNTS} more" if len(names) > _NAMED_ACCOUNTS else ""
    return [
        Warning(
            f"Grader accounts whose password is not hashed with the grader hasher: {shown}{more}. Each of their "
            "logins pays the host's slow password hasher, and watchers logging in together lose connections to "
            "xqueue-watcher's 1 s timeout.",
            hint="Give each a new secret with 'manage.py create_grader USERNAME' (the grader hasher, the group, and "
            "the watcher's configuration) and put it in the watcher's AUTH (docs/graders.rst, Grader accounts).",
            id="submissions.W110",
        )
    ]
