"""
Settings of the tutorial project: what ``django-admin startproject mysite`` writes (shortened), then the
lines the tutorial adds, between the two ``tutorial`` markers.
"""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "django-insecure-tutorial-only"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "mysite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# tutorial: settings begin
INSTALLED_APPS += [
    "submissions",  # submissions, scores and the grader queue
    "grades",  # this project's app: its receiver hears every grade
]

# Grader accounts get a cheap hash of a long random secret (graders log in often, with a 1 s timeout);
# people keep the first, slow hasher.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
]

SUBMISSIONS = {
    "QUEUES": ["python"],  # the queues graders may pull from
    "PROCESSING_DELAY": 60,  # hand an item out again if its grader is silent for 60 s
}
# tutorial: settings end
