"""
A host project with the library alone: no extras, no instructor app, no DRF app, the smallest settings a host
needs. The ``base`` tox env runs ``tests/test_packaging.py`` with it (``--ds=tests.projects.core_settings``) in an
environment without openedx-events, edx-opaque-keys or django-storages.
"""

import os
import tempfile

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
    }
}
SECRET_KEY = "core-settings-test-only"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "submissions"]
ROOT_URLCONF = "tests.projects.core_urls"
MEDIA_ROOT = os.environ.get("SUBMISSIONS_TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="submissions-core-media-")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
]
