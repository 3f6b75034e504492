"""
Shared read helpers: the read replica, the submission lookup with its legacy-UUID fallback, and a
cache wrapper that never lets a cache outage break a read.
"""

import hashlib
import logging

from django.core.cache import cache
from django.db import connections, router
from django.db.models import CharField, Q, Value

from submissions.conf import app_settings
from submissions.models import Submission
from submissions.services.validation import parse_uuid

__all__ = [
    "use_read_replica",
    "replica_alias",
    "get_submission_model",
    "has_legacy_uuids",
    "legacy_uuid_q",
    "legacy_uuid_lookup",
    "cache_get",
    "cache_set",
    "cache_delete_many",
    "safe_cache_key",
]

logger = logging.getLogger(__name__)


def replica_alias(read_replica):
    """The ``read_replica`` database alias when asked for and configured, else None (default routing)."""
    return app_settings.read_replica_alias if read_replica else None


def use_read_replica(queryset):
    """``queryset`` on the ``read_replica`` database when the host configures one."""
    alias = app_settings.read_replica_alias
    return queryset.using(alias) if alias else queryset


def has_legacy_uuids(using=None):
    """
    Whether submissions on ``using`` (default routing when None) may hold legacy hyphenated uuids: databases
    without a native uuid column, where Django's lookup compares 32 hex digits (:func:`legacy_uuid_lookup`).
    """
    return not connections[using or router.db_for_read(Submission)].features.has_native_uuid_field


def legacy_uuid_q(hyphenated):
    """
    ``uuid`` equal to the hyphenated string ``hyphenated`` as a character value: an ordinary parameterised
    ``WHERE uuid = %s`` that uses the column's index on every backend.
    """
    return Q(uuid=Value(hyphenated, output_field=CharField()))


def legacy_uuid_lookup(submission_uuid, *, using=None):
    """
    The active submission whose uuid column holds the *hyphenated* form of ``submission_uuid``.

    Old MySQL databases of edx-submissions (EDUCATOR-1090) stored uuids with hyphens in a
    ``char`` column, which Django's lookup (32 hex digits there) does not match (:func:`legacy_uuid_q`).
    Read-only: rewriting such rows is the job of the ``update_submissions_uuids`` command. Returns None when
    nothing matches.
    """
    hyphenated = str(parse_uuid(submission_uuid))
    queryset = Submission.objects.using(using) if using else Submission.objects
    return queryset.select_related("team_submission").filter(legacy_uuid_q(hyphenated)).order_by("-id").first()


def get_submission_model(submission_uuid, read_replica=False):
    """
    The active Submission with this uuid (str or UUID).

    Raises ``Submission.DoesNotExist`` when there is none, ``ValueError``/``TypeError`` for a
    malformed uuid. On databases without a native uuid column the legacy hyphenated form is tried
    too (read-only).
    """
    parsed = parse_uuid(submission_uuid)
    using = replica_alias(read_replica)
    queryset = Submission.objects.using(using) if using else Submission.objects
    submission = queryset.select_related("team_submission").filter(uuid=parsed).order_by("-id").first()
    if submission is None and has_legacy_uuids(using):
        submission = legacy_uuid_lookup(parsed, using=using)
    if submission is None:
        raise Submission.DoesNotExist(f"No submission matching uuid {parsed}")
    return submission


def safe_cache_key(key):
    """
    ``key`` itself when every cache backend accepts it, else a hashed stand-in.

    Memcached refuses keys longer than 250 characters or holding spaces or control characters;
    course and item ids may contain such characters.
    """
    if len(key) <= 250 and not any(ord(char) < 33 or ord(char) == 127 for char in key):
        return key
    prefix = key.split(".", 2)
    head = ".".join(prefix[:2]) if len(prefix) > 2 else "submissions"
    return f"{head}.sha256.{hashlib.sha256(key.encode('utf-8')).hexdigest()}"


def cache_get(key):
    """``cache.get(key)``; a failing cache backend is logged and treated as a miss."""
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 -- boundary: a cache outage must not break a read
        logger.warning("Could not read cache key %s", key, exc_info=True)
        return None


def cache_set(key, value, timeout=None):
    """``cache.set``; a failing cache backend is logged and ignored. ``timeout=None`` = default."""
    try:
        if timeout is None:
            cache.set(key, value)
        else:
            cache.set(key, value, timeout)
    except Exception:  # noqa: BLE001 -- boundary: a cache outage must not break a read
        logger.warning("Could not write cache key %s", key, exc_info=True)


def cache_delete_many(keys):
    """Delete cache keys; a failing cache backend is logged (the entries then expire on their own)."""
    keys = list(keys)
    if not keys:
        return
    try:
        cache.delete_many(keys)
    except Exception:  # noqa: BLE001 -- boundary: a cache outage must not break a write
        logger.warning("Could not delete %d cache keys", len(keys), exc_info=True)
