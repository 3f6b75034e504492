"""
The storage of submission files, resolved at call time so that migrations never depend on settings.

Order: ``SUBMISSIONS["FILE_STORAGE"]`` (an alias of ``settings.STORAGES``), else edx-submissions'
``EDX_SUBMISSIONS["MEDIA"]`` (``{"BACKEND": dotted class, "OPTIONS": {...}}``), else the default
storage. The resolved storage is cached and the cache cleared whenever a setting changes.
"""

import functools
import re

from django.core.files.storage import default_storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.module_loading import import_string

from submissions.conf import app_settings

__all__ = ["get_storage", "field_storage", "submission_file_path", "safe_queue_segment"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@functools.cache
def _get_storage_cached():
    alias = app_settings.FILE_STORAGE
    if alias:
        return storages[alias]
    legacy = app_settings.legacy_media
    if legacy:
        return import_string(legacy["BACKEND"])(**legacy.get("OPTIONS", {}))
    return default_storage


def get_storage():
    """The storage for submission files (a callable, so ``FileField(storage=get_storage)`` stays static)."""
    return _get_storage_cached()


class _FieldStorage(LazyObject):
    """
    The storage ``SubmissionFile.file`` uses: resolved on first use and again after a setting
    change. Django calls ``FileField(storage=callable)`` once, at import, so without this proxy
    ``row.file.url`` and ``row.file.open()`` would keep the storage of import time.
    """

    def _setup(self):
        self._wrapped = get_storage()


#: Assigned to the ``file`` field of ``SubmissionFile`` (its migrations still name ``get_storage``).
field_storage = _FieldStorage()


@receiver(setting_changed)
def _clear_storage_cache(*, setting, **kwargs):
    if setting in {"SUBMISSIONS", "EDX_SUBMISSIONS", "STORAGES"}:
        _get_storage_cached.cache_clear()
        field_storage._wrapped = empty


def safe_queue_segment(queue_name):
    """A queue name made safe as one path segment (no separators, no dot-only names)."""
    segment = _UNSAFE.sub("_", queue_name or "").strip(".")
    return segment or "_"


def submission_file_path(instance, _):
    """``<queue name, sanitised>/<file uuid>``: unique, unguessable, without the learner's file name."""
    queue_name = instance.external_grader.queue_name if instance.external_grader_id else ""
    return f"{safe_queue_segment(queue_name)}/{instance.uuid}"
