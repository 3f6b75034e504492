"""
Settings of the host that ``test_multiprocess.py`` serves with gunicorn: the test settings, metrics on, and the
running test's database (``METRICS_HOST_DB_NAME``: its name, or an SQLite file holding a copy of it), and
the scrape token ``METRICS_HOST_TOKEN``.
"""

import os

from test_settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["METRICS_HOST_DB_NAME"]  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # Two workers write to one file: wait for the write lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}  # noqa: F405
SUBMISSIONS = {"METRICS": True, "METRICS_TOKENS": [os.environ["METRICS_HOST_TOKEN"]]}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
