"""
Settings of the test suite.

The database is chosen by one environment variable, ``SUBMISSIONS_TEST_DB``:
``sqlite`` (default), ``postgres`` (127.0.0.1:5432, user postgres) or ``mysql`` (MariaDB on
127.0.0.1:3306, user root, empty password). ``SUBMISSIONS_TEST_DB_NAME`` names the database (so
that parallel runs on one server do not collide); the test runner prefixes it with ``test_``.
"""

import os
import tempfile

from django import VERSION as _DJANGO_VERSION

DB_ENGINE = os.environ.get("SUBMISSIONS_TEST_DB", "sqlite")
DB_NAME = os.environ.get("SUBMISSIONS_TEST_DB_NAME", "submissions")

if DB_ENGINE == "sqlite":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": f"{DB_NAME}.sqlite3",
            "TEST": {"NAME": os.environ.get("SUBMISSIONS_TEST_SQLITE_FILE") or None},
        }
    }
elif DB_ENGINE == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DB_NAME,
            "USER": os.environ.get("PGUSER", "postgres"),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "CONN_MAX_AGE": 0,
        }
    }
elif DB_ENGINE == "mysql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": DB_NAME,
            "USER": os.environ.get("MYSQL_USER", "root"),
            "PASSWORD": os.environ.get("MYSQL_PASSWORD", ""),
            "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
            "PORT": os.environ.get("MYSQL_PORT", "3306"),
            "OPTIONS": {"charset": "utf8mb4"},
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    }
else:
    raise RuntimeError(f"SUBMISSIONS_TEST_DB must be sqlite, postgres or mysql, not {DB_ENGINE!r}")

SECRET_KEY = "test-only-secret-key-not-for-production"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "submissions",
    # The instructor API, its OpenAPI schema (Swagger UI assets offline) and the Tasks API with a DB worker.
    "drf_spectacular",
    "drf_spectacular_sidecar",
    *(["django_tasks"] if _DJANGO_VERSION < (6, 0) else []),
    "django_tasks_db",
    "submissions.instructor_v2",
]

# Tasks API (django.tasks on Django 6, the django-tasks backport on 5.2): "default" runs tasks immediately, in
# the request; tests that start a worker (db_worker, Celery) switch SUBMISSIONS["TASK_BACKEND"] to "db" or their own.
_TASKS_PACKAGE = "django.tasks" if _DJANGO_VERSION >= (6, 0) else "django_tasks"
TASKS = {
    "default": {"BACKEND": f"{_TASKS_PACKAGE}.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.backend.DatabaseBackend", "QUEUES": []},
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "submissions-tests"}}

MEDIA_ROOT = os.environ.get("SUBMISSIONS_TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="submissions-media-")
STATIC_URL = "/static/"

# Fast hashing in tests; grader accounts in production should use the hasher of docs/graders.rst.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {"submissions": {"handlers": ["null"], "level": "DEBUG", "propagate": True}},
}
