"""
Settings of the worker processes the end-to-end tests start (django-tasks-db's ``db_worker``, a Celery
worker): the test settings, pointed at the test database the running test uses.
"""

import os

from test_settings import *  # noqa: F403
from test_settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["INSTRUCTOR_WORKER_DB_NAME"]
DATABASES["default"].pop("TEST", None)

SUBMISSIONS = {"TASK_BATCH_SIZE": int(os.environ.get("INSTRUCTOR_WORKER_BATCH_SIZE", "100"))}
