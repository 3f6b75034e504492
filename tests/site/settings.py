"""
Settings of the site's tests (``pytest tests/site --ds=tests.site.settings``): the site's own settings
(``examples/autograder/autograder/settings.py``), with the database chosen the suite's way
(``SUBMISSIONS_TEST_DB`` = sqlite | postgres | mysql, ``SUBMISSIONS_TEST_DB_NAME``) and handed to the
site as its ``DATABASE_URL``. SQLite uses a file, not memory: the live server serves the grader's
requests on threads while a code run waits for its answer.
"""

import os
import sys
import tempfile
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parents[2] / "examples" / "autograder"
sys.path.insert(0, str(SITE_DIR))

_ENGINE = os.environ.get("SUBMISSIONS_TEST_DB", "sqlite")
_NAME = os.environ.get("SUBMISSIONS_TEST_DB_NAME", "sub_site")
_VAR = tempfile.mkdtemp(prefix="site-tests-")
os.environ["SITE_VAR_DIR"] = _VAR
os.environ["DATABASE_URL"] = {
    "sqlite": f"sqlite:///{_VAR}/{_NAME}.sqlite3",
    "postgres": f"postgres://{os.environ.get('PGUSER', 'postgres')}@127.0.0.1:5432/{_NAME}",
    "mysql": f"mysql://root:@127.0.0.1:3306/{_NAME}",
}[_ENGINE]
os.environ.setdefault("LOG_LEVEL", "WARNING")

from autograder.settings import *  # noqa: E402,F403

DATABASES["default"]["TEST"] = {"NAME": f"{_VAR}/test_{_NAME}.sqlite3"} if _ENGINE == "sqlite" else {}  # noqa: F405
if _ENGINE == "mysql":
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}  # noqa: F405
SECRET_KEY = "site-tests-only"
DEBUG = False
# fast hashing for people; the grader account keeps the library's grader hasher
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "site-tests"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
