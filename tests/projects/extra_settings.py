"""
A host that uses one extra, named by ``SUBMISSIONS_EXTRA`` (``openedx``, ``s3``, ``instructor``, ``celery``,
``bus``, ``metrics``), configured the way the docs say. The ``extra-<name>`` tox envs install that extra alone and run
``tests/test_extras.py`` with these settings.
"""

import os

import django

from tests.projects.core_settings import *  # noqa: F403

EXTRA = os.environ.get("SUBMISSIONS_EXTRA", "")

if EXTRA in ("instructor", "celery"):
    INSTALLED_APPS = [  # noqa: F405
        *INSTALLED_APPS,  # noqa: F405
        *(["django_tasks"] if django.VERSION < (6, 0) else []),
        "submissions.instructor_v2",
    ]
    ROOT_URLCONF = "tests.projects.instructor_urls"
if EXTRA == "celery":
    TASKS = {
        "default": {
            "BACKEND": "submissions.instructor_v2.celery_backend.CeleryBackend",
            "OPTIONS": {"BROKER_URL": "memory://"},
        }
    }
if EXTRA == "s3":
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "submission_files": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "files"}},
    }
    SUBMISSIONS = {"FILE_STORAGE": "submission_files"}
if EXTRA == "bus":
    EVENT_BUS_PRODUCER = "edx_event_bus_redis.create_producer"
    EVENT_BUS_REDIS_CONNECTION_URL = "redis://127.0.0.1:6379/0"
    EVENT_BUS_TOPIC_PREFIX = "sub-extras"
    SUBMISSIONS = {"SCORE_EVENT_BUS_TOPIC": "external-grader-score"}
if EXTRA == "metrics":
    SUBMISSIONS = {"METRICS": True, "METRICS_TOKENS": ["extra-metrics-token"]}
