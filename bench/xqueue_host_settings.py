"""
Settings of the host project that ``bench/xqueue_throughput.py`` serves with gunicorn: the test
settings on PostgreSQL, database ``$BENCH_DB_NAME``, with the grader hasher of docs/graders.rst.
"""

import os

os.environ.setdefault("SUBMISSIONS_TEST_DB", "postgres")
os.environ.setdefault("SUBMISSIONS_TEST_DB_NAME", os.environ.get("BENCH_DB_NAME", "sub_xq_bench"))

from test_settings import *  # noqa: E402,F403

DATABASES["default"]["NAME"] = os.environ.get("BENCH_DB_NAME", "sub_xq_bench")  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405  (persistent connections, as a production host has)
# Human accounts keep Django's default hasher; grader accounts use the fast one (ADR 0009).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
]
SUBMISSIONS = {"PUBLIC_BASE_URL": "http://127.0.0.1"}
# BENCH_METRICS=1: the host counts Prometheus metrics (bench/metrics_cost.py, docs/metrics.rst).
if os.environ.get("BENCH_METRICS"):
    SUBMISSIONS["METRICS"] = True
# The middleware of the edx-submissions host (bench/_xqueue_hosts.py), so both serve requests through the same stack.
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "CRITICAL"}}
