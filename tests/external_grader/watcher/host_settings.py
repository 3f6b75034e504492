"""
Settings of the host that ``fleet.py`` serves with gunicorn for the real xqueue-watcher: the test settings on
the database ``$WATCHER_HOST_DB`` (``postgres`` or ``mysql``) named ``$WATCHER_HOST_DB_NAME``, with Django's
default password hasher first, as a production host has it, and the grader hasher after it (docs/graders.rst).
"""

import os

os.environ["SUBMISSIONS_TEST_DB"] = os.environ["WATCHER_HOST_DB"]
os.environ["SUBMISSIONS_TEST_DB_NAME"] = os.environ["WATCHER_HOST_DB_NAME"]

from test_settings import *  # noqa: E402,F403

DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405  (persistent connections, as a production host has)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
]
SUBMISSIONS = {
    "QUEUES": [os.environ["WATCHER_HOST_QUEUE"]],
    "PROCESSING_DELAY": int(os.environ.get("WATCHER_HOST_PROCESSING_DELAY", "300")),
}
# Warnings and errors of the library and of Django's request handling reach gunicorn's error log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
