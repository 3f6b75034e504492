"""
Settings of the demo autograder site: embedded defaults only (SQLite, files on local disk, the
database task worker when the instructor API is installed). Not for production: DEBUG is on and the
secret key is generated per checkout.
"""

import importlib.util
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DEMO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

_key_file = VAR_DIR / "secret_key"
if not _key_file.exists():
    _key_file.write_text(secrets.token_urlsafe(50))
    _key_file.chmod(0o600)
SECRET_KEY = _key_file.read_text().strip()
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]


def _installed(*modules):
    return all(importlib.util.find_spec(name) is not None for name in modules)


#: The instructor API needs drf-spectacular (schema + Swagger UI) and the Tasks API (django-tasks).
INSTRUCTOR_API = _installed("drf_spectacular", "drf_spectacular_sidecar", "django_tasks", "django_tasks_db")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "submissions",
    "autograder",
]
if INSTRUCTOR_API:
    INSTALLED_APPS += [
        "drf_spectacular",
        "drf_spectacular_sidecar",
        "django_tasks",
        "django_tasks_db",
        "submissions.instructor_v2",
    ]
    # The embedded default: tasks are stored in the database and run by `manage.py db_worker`.
    TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"

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

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "demo.sqlite3",
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Grader accounts use the library's fast hasher (xqueue-watcher allows 1 s per request, login included).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
]

MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
USE_TZ = True
TIME_ZONE = "UTC"

SUBMISSIONS = {
    "QUEUES": ["demo"],
    "PUBLIC_BASE_URL": os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:8000"),
    # A pulled item is handed out again after 60 s if its grader vanished.
    "PROCESSING_DELAY": 60,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
}
if INSTRUCTOR_API:
    REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
    SPECTACULAR_SETTINGS = {
        "TITLE": "Demo autograder: instructor API",
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "submissions": {"handlers": ["console"], "level": os.environ.get("DEMO_LOG_LEVEL", "INFO")},
        "autograder": {"handlers": ["console"], "level": os.environ.get("DEMO_LOG_LEVEL", "INFO")},
    },
}
