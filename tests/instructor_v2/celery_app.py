"""The Celery app of the worker started by the Celery end-to-end test (``celery -A tests.instructor_v2.celery_app``)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.instructor_v2.worker_settings")
django.setup()

from celery import Celery  # noqa: E402

app = Celery(
    "instructor-tests",
    broker=os.environ.get("INSTRUCTOR_CELERY_BROKER", "amqp://guest:guest@127.0.0.1:5672//"),
    include=["submissions.instructor_v2.celery_backend"],
)
app.conf.update(worker_hijack_root_logger=False, broker_connection_retry_on_startup=True)
