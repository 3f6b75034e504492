"""
File URLs for graders whatever the host's URLconf (issue 13, point 1): our signed route wherever it is mounted
(namespaced, nested, renamed or bare), else the storage's own URL with one warning, also in a process that has
no ``ROOT_URLCONF`` at all (a worker, a command, a shell), as edx-submissions 4.x answered.
"""

import logging

import pytest
from django.test import override_settings
from django.urls import clear_url_caches, set_urlconf

from submissions import api
from submissions.external_grader import files
from submissions.external_grader.files import file_route_name, get_files_for_grader
from submissions.external_grader.models import SubmissionFile
from tests.external_grader.helpers import create

pytestmark = pytest.mark.django_db

BASE = "https://lms.example.com"


@pytest.fixture
def detail(tmp_path, monkeypatch):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "submission_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": "/media/grader/"},
        },
    }
    monkeypatch.setattr(files, "_warned_storage_urls", False)
    with override_settings(
        STORAGES=storages, SUBMISSIONS={"FILE_STORAGE": "submission_files", "PUBLIC_BASE_URL": BASE}
    ):
        yield create(files={"main.py": b"print(1)", "data.csv": b"a,b"})


def storage_urls(detail):
    rows = SubmissionFile.objects.filter(external_grader=detail)
    return {row.original_filename: f"{BASE}/media/grader/{row.file.name}" for row in rows}


@pytest.mark.parametrize(
    ("urlconf", "route", "prefix"),
    [
        ("tests.urls", "xqueue:xqueue-file", "/xqueue/files/"),
        ("tests.projects.dropin_urls", "xqueue:xqueue-file", "/xqueue/files/"),
        ("tests.projects.prefixed_urls", "xqueue:xqueue-file", "/lms/xqueue/files/"),
        ("tests.projects.nested_urls", "lms:xqueue:xqueue-file", "/lms/xqueue/files/"),
        ("tests.projects.renamed_urls", "grading:xqueue-file", "/grading/xqueue/files/"),
        ("tests.projects.bare_file_urls", "xqueue-file", "/q/files/"),
    ],
)
def test_signed_route_found_wherever_it_is_mounted(detail, urlconf, route, prefix, client, caplog):
    with override_settings(ROOT_URLCONF=urlconf), caplog.at_level(logging.WARNING, logger=files.__name__):
        assert file_route_name() == route
        urls = get_files_for_grader(detail)
        assert api.get_files_for_grader(detail).keys() == urls.keys() == {"main.py", "data.csv"}
        for name, url in urls.items():
            assert url.startswith(BASE + prefix)
            response = client.get(url.removeprefix(BASE))
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == {"main.py": b"print(1)", "data.csv": b"a,b"}[name]
    assert not caplog.records


def test_a_urlconf_without_the_route_gives_storage_urls_and_warns_once(detail, caplog):
    with override_settings(ROOT_URLCONF="tests.projects.no_grader_urls"), caplog.at_level(logging.WARNING):
        assert file_route_name() is None
        assert get_files_for_grader(detail) == storage_urls(detail)
        assert api.get_files_for_grader(detail) == storage_urls(detail)
    warnings = [record for record in caplog.records if record.name == files.__name__]
    assert len(warnings) == 1
    assert "xqueue-file" in warnings[0].getMessage() and "no_grader_urls" in warnings[0].getMessage()


def test_a_process_without_root_urlconf_gives_storage_urls(detail, settings, caplog):
    del settings.ROOT_URLCONF
    clear_url_caches()
    set_urlconf(None)
    with caplog.at_level(logging.WARNING, logger=files.__name__):
        assert file_route_name() is None
        assert get_files_for_grader(detail) == storage_urls(detail)
    assert len(caplog.records) == 1
    assert "no ROOT_URLCONF" in caplog.records[0].getMessage()


def test_a_request_urlconf_wins_over_root_urlconf(detail):
    """``request.urlconf`` (set by middleware of multi-site hosts) is the URLconf that answers."""
    set_urlconf("tests.projects.nested_urls")
    try:
        assert file_route_name() == "lms:xqueue:xqueue-file"
        assert all(url.startswith(f"{BASE}/lms/xqueue/files/") for url in get_files_for_grader(detail).values())
    finally:
        set_urlconf(None)
