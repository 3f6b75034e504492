"""
Settings of the autograder site, read from the environment (django-environ; see ``.env.example``).

Defaults make a development site that needs nothing but Python: SQLite under ``var/``, a secret key
generated once per checkout, DEBUG on. ``DATABASE_URL`` selects PostgreSQL or MariaDB.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; the process environment wins

VAR_DIR = Path(env.str("SITE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _generated_secret_key():
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _generated_secret_key()
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # the library: submissions, scores and the grader queue; its instructor grading API
    "submissions",
    "submissions.instructor_v2",
    # the site's own apps
    "users",
    "classes",
    "assignments",
    "coursework",
    "notifications",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "web.middleware.LoginRequiredPagesMiddleware",
]

ROOT_URLCONF = "autograder.urls"
WSGI_APPLICATION = "autograder.wsgi.application"
ASGI_APPLICATION = "autograder.asgi.application"

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
                "web.context.navigation",
            ]
        },
    }
]

# SQLite by default (WAL, so the grader's replies and the pages' reads do not block each other);
# DATABASE_URL=postgres://... or mysql://... for a server database.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'autograder.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif DATABASES["default"]["ENGINE"].endswith("mysql"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("charset", "utf8mb4")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# PBKDF2 for people; the library's fast hasher for grader accounts (a grader logs in on every start).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

REST_FRAMEWORK = {
    # JWT first: an unauthenticated API call answers 401 with a Bearer challenge. Sessions serve the
    # pages' own fetches and the Swagger UI of a signed-in user.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's defaults with the library's bounded JSON parser: deep nesting or a huge number literal is a 400.
    "DEFAULT_PARSER_CLASSES": [
        "submissions.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "autograder.api.Pagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=20),
    "DEFAULT_RENDERER_CLASSES": ["autograder.api.EnvelopeRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "EXCEPTION_HANDLER": "autograder.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATETIME_FORMAT": "iso-8601",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=7 * 24 * 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Autograder site API",
    "DESCRIPTION": "Classes, assignments, code runs, submissions and grading, on django-submissions.",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # like every page but the login page: signed-in users (the session of /login/ works in the browser)
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/",
    "PREPROCESSING_HOOKS": ["autograder.api.site_endpoints_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "autograder.api.enveloped_schema",
    ],
}

#: The library's settings. Two queues: graded submissions, and code runs (kept apart from the graded item).
GRADING_QUEUE = env.str("GRADING_QUEUE", default="grading")
RUN_QUEUE = env.str("RUN_QUEUE", default="runs")
SUBMISSIONS = {
    "QUEUES": [GRADING_QUEUE, RUN_QUEUE],
    "PUBLIC_BASE_URL": env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8010"),
    # a pulled item is handed out again after this many seconds if its grader vanished
    "PROCESSING_DELAY": env.int("GRADER_PROCESSING_DELAY", default=60),
    # every submission is an attempt graded on its own: a newer one does not cancel an older one
    "INVALIDATE_PRIOR_ATTEMPTS": False,
    # the instructor API sees the site's users, classes and questions
    "INSTRUCTOR_BACKEND": "coursework.instructor.SiteGradingBackend",
    "TASK_RUNNER": env.str("INSTRUCTOR_TASK_RUNNER", default="inline"),
}

#: Code runs: how long the run endpoint waits beyond the question's limits for the grader's answer.
CODE_RUN_GRACE_SECONDS = env.float("CODE_RUN_GRACE_SECONDS", default=8.0)
#: Code runs per user: waiting for the grader at once, and started in any 60 seconds (0: no limit). Beyond
#: them a run is refused with 429 and Retry-After (``coursework/runs.py``), so nobody floods the run queue.
CODE_RUNS_IN_FLIGHT = env.int("CODE_RUNS_IN_FLIGHT", default=2)
CODE_RUNS_PER_MINUTE = env.int("CODE_RUNS_PER_MINUTE", default=20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        name: {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")}
        for name in ("submissions", "coursework", "autograder")
    },
}
