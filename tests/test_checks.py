"""System checks of the library's settings (``submissions.E001`` ... ``E005`` in ``submissions/checks.py``)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from submissions.conf import REMOVED_SETTINGS


def submission_errors():
    """The ids (with messages) of our errors in a full run of the registered checks."""
    return [
        (message.id, message.msg) for message in checks.run_checks() if (message.id or "").startswith("submissions.")
    ]


def ids():
    return sorted(message_id for message_id, _ in submission_errors())


def test_default_settings_pass():
    assert submission_errors() == []


@override_settings(SUBMISSIONS={"FILE_MAX_COUNT": 3, "PROCESSING_DELAY": 60, "QUEUES": ["python"]})
def test_valid_settings_pass():
    assert submission_errors() == []


@override_settings(SUBMISSIONS={"FILE_MAX_CONT": 3})
def test_e001_unknown_key_names_the_key():
    errors = submission_errors()
    assert [message_id for message_id, _ in errors] == ["submissions.E001"]
    assert "FILE_MAX_CONT" in errors[0][1]


def test_e002_removed_key_gives_its_replacement(monkeypatch):
    monkeypatch.setitem(REMOVED_SETTINGS, "OLD_DELAY", "Use SUBMISSIONS['PROCESSING_DELAY'] (seconds).")
    with override_settings(SUBMISSIONS={"OLD_DELAY": 5}):
        found = [message for message in checks.run_checks() if message.id == "submissions.E002"]
    assert len(found) == 1
    assert "OLD_DELAY" in found[0].msg
    assert found[0].hint == "Use SUBMISSIONS['PROCESSING_DELAY'] (seconds)."


@override_settings(SUBMISSIONS={"FILE_STORAGE": "no-such-alias"})
def test_e003_unknown_storage_alias():
    assert ids() == ["submissions.E003"]


@override_settings(
    SUBMISSIONS={"FILE_STORAGE": "grader_files"},
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "grader_files": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    },
)
def test_e003_known_storage_alias_passes():
    assert ids() == []


@override_settings(SUBMISSIONS={"INSTRUCTOR_BACKEND": "submissions.no_such_module.Backend"})
def test_e004_import_string_that_cannot_be_imported():
    errors = submission_errors()
    assert [message_id for message_id, _ in errors] == ["submissions.E004"]
    assert "INSTRUCTOR_BACKEND" in errors[0][1]


@override_settings(SUBMISSIONS=["not", "a", "dict"])
def test_e005_setting_not_a_dict():
    assert ids() == ["submissions.E005"]


@pytest.mark.parametrize("value", [-1, "10", 2.5, True, None])
def test_e005_limits_must_be_non_negative_integers(value):
    with override_settings(SUBMISSIONS={"FILE_MAX_COUNT": value}):
        errors = submission_errors()
    assert [message_id for message_id, _ in errors] == ["submissions.E005"]
    assert "FILE_MAX_COUNT" in errors[0][1]


@override_settings(SUBMISSIONS={"FILE_MAX_CONT": 3, "FILE_STORAGE": "nowhere"})
def test_manage_py_check_fails_with_our_ids():
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert "submissions.E001" in str(raised.value)
    assert "submissions.E003" in str(raised.value)


def test_settings_are_read_live():
    from submissions.conf import app_settings

    assert app_settings.FILE_MAX_COUNT == 20
    with override_settings(SUBMISSIONS={"FILE_MAX_COUNT": 2}):
        assert app_settings.FILE_MAX_COUNT == 2
    assert app_settings.FILE_MAX_COUNT == 20


# -- the grader interface: what a host that mounts xqueue/ must also have (submissions.E105, W102) --


def test_e105_grader_interface_without_a_session_table():
    apps = [app for app in settings.INSTALLED_APPS if app != "django.contrib.sessions"]
    with override_settings(INSTALLED_APPS=apps):
        errors = submission_errors()
    assert [message_id for message_id, _ in errors] == ["submissions.E105"]
    assert "django.contrib.sessions" in errors[0][1]


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies")
def test_e105_not_raised_for_a_session_engine_without_a_table():
    apps = [app for app in settings.INSTALLED_APPS if app != "django.contrib.sessions"]
    with override_settings(INSTALLED_APPS=apps):
        assert ids() == []


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_w102_grader_hasher_missing_names_the_hasher():
    found = [message for message in checks.run_checks() if message.id == "submissions.W102"]
    assert len(found) == 1
    assert "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher" in found[0].hint


@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], ROOT_URLCONF="tests.projects.dropin_urls"
)
def test_w102_also_for_the_4x_urlconf():
    assert ids() == ["submissions.W102"]


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], ROOT_URLCONF="tests.checks_urls")
def test_no_grader_check_when_the_grader_interface_is_not_mounted():
    apps = [app for app in settings.INSTALLED_APPS if app != "django.contrib.sessions"]
    with override_settings(INSTALLED_APPS=apps):
        assert ids() == []


def test_check_passes_for_a_host_without_urls(tmp_path):
    """Settings without ROOT_URLCONF (a worker's, a script's; the LMS-like settings of docs/dropin.rst) check clean."""
    (tmp_path / "urlless_settings.py").write_text(
        'SECRET_KEY = "urlless"\nUSE_TZ = True\n'
        'INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "submissions"]\n'
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}\n'
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "urlless_settings", "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
