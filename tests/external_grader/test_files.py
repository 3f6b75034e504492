"""SubmissionFileManager on local storage: limits, storing, signed URLs, the download view, deletion."""

import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models.signals import post_save
from django.test import override_settings

from submissions.errors import FileProcessingError, InvalidFileTypeError, SubmissionRequestError
from submissions.external_grader import queue
from submissions.external_grader.files import SubmissionFileManager, file_token, get_files_for_grader
from submissions.external_grader.models import ExternalGraderDetail, SubmissionFile
from submissions.external_grader.storage import get_storage
from submissions.models import Submission
from tests.external_grader.helpers import create

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_storage(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "submission_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    with override_settings(
        STORAGES=storages,
        SUBMISSIONS={"FILE_STORAGE": "submission_files", "PUBLIC_BASE_URL": "https://lms.example.com/"},
    ):
        yield tmp_path


def stored_blobs(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)


class WithFile:
    """What the LMS passes: an object with ``.file``."""

    def __init__(self, data):
        self.file = io.BytesIO(data)


def test_store_list_download(file_storage, client):
    files = {
        "answer.py": WithFile(b"print('hi')"),
        "data.bin": b"\x00\x01",
        "notes.txt": ContentFile(b"notes"),
        "up.txt": SimpleUploadedFile("ignored", b"uploaded"),
    }
    detail = create(queue_name="my queue/../x", files=files)
    rows = list(SubmissionFile.objects.filter(external_grader=detail))
    assert sorted(row.original_filename for row in rows) == sorted(files)
    blobs = stored_blobs(file_storage)
    assert len(blobs) == 4
    for row in rows:
        assert row.file.name.startswith("my_queue_.._x/") or row.file.name.startswith("my_queue_")
        assert row.original_filename not in row.file.name
        assert str(row.uuid) in row.file.name
    urls = get_files_for_grader(detail)
    assert set(urls) == set(files)
    for name, url in urls.items():
        assert url.startswith("https://lms.example.com/xqueue/files/")
        response = client.get(url.replace("https://lms.example.com", ""))
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        expected = {"answer.py": b"print('hi')", "data.bin": b"\x00\x01", "notes.txt": b"notes", "up.txt": b"uploaded"}
        assert body == expected[name]


def test_download_rejects_bad_and_expired_tokens(file_storage, client):
    detail = create(files={"a.txt": b"a"})
    row = SubmissionFile.objects.get(external_grader=detail)
    token = file_token(row)
    assert client.get(f"/xqueue/files/{token}x/").status_code == 403
    assert client.get("/xqueue/files/garbage/").status_code == 403
    with override_settings(SUBMISSIONS={"FILE_STORAGE": "submission_files", "FILE_URL_MAX_AGE": -1}):
        assert client.get(f"/xqueue/files/{token}/").status_code == 403
    assert client.get(f"/xqueue/files/{token}/").status_code == 200
    get_storage().delete(row.file.name)
    assert client.get(f"/xqueue/files/{token}/").status_code == 404
    row.delete()
    assert client.get(f"/xqueue/files/{token}/").status_code == 404


def test_url_uses_request_or_base_url(file_storage, rf):
    detail = create(files={"a.txt": b"a"})
    request = rf.get("/", HTTP_HOST="grader.example.org")
    assert get_files_for_grader(detail, base_url=request)["a.txt"].startswith("http://grader.example.org/xqueue/files/")
    assert get_files_for_grader(detail, base_url="https://x.test")["a.txt"].startswith("https://x.test/xqueue/files/")
    assert get_files_for_grader(create()) == {}


@pytest.mark.parametrize(
    ("settings_", "files", "limit"),
    [
        ({"FILE_MAX_COUNT": 1}, {"a": b"1", "b": b"2"}, "FILE_MAX_COUNT"),
        ({"FILE_MAX_BYTES": 3}, {"a": b"1234"}, "FILE_MAX_BYTES"),
        ({"FILE_MAX_TOTAL_BYTES": 5}, {"a": b"123", "b": b"456"}, "FILE_MAX_TOTAL_BYTES"),
        ({"FILE_ALLOWED_NAMES": ["*.py"]}, {"a.txt": b"1"}, "FILE_ALLOWED_NAMES"),
    ],
)
def test_limits_store_nothing(file_storage, settings_, files, limit):
    overridden = override_settings(SUBMISSIONS={"FILE_STORAGE": "submission_files", **settings_})
    with overridden, pytest.raises(SubmissionRequestError) as excinfo:
        create(files=files)
    assert limit in str(excinfo.value.field_errors["files"])
    assert stored_blobs(file_storage) == []
    assert Submission._objects.count() == 0 and ExternalGraderDetail.objects.count() == 0


@pytest.mark.parametrize("name", ["", "../a", "a/b", "a\\b", "..", "x" * 256])
def test_bad_names(file_storage, name):
    with pytest.raises(SubmissionRequestError):
        create(files={name: b"1"})
    assert stored_blobs(file_storage) == []


def test_bad_types_and_unreadable(file_storage):
    with pytest.raises(InvalidFileTypeError):
        create(files={"a": 12})
    with pytest.raises(InvalidFileTypeError):
        create(files={"a": io.StringIO("text")})
    with pytest.raises(InvalidFileTypeError):
        create(files=[("a", b"1")])

    class Broken:
        def read(self, size=-1):
            raise OSError("disk gone")

    with pytest.raises(FileProcessingError):
        create(files={"a": Broken()})
    assert Submission._objects.count() == 0


def test_rollback_deletes_stored_blobs(file_storage):
    calls = []

    def fail_second(sender, instance, created, **kwargs):
        calls.append(instance.pk)
        if len(calls) == 2:
            raise RuntimeError("host receiver failed")

    post_save.connect(fail_second, sender=SubmissionFile, dispatch_uid="fail-second")
    try:
        with pytest.raises(RuntimeError):
            create(files={"a": b"1", "b": b"2", "c": b"3"})
    finally:
        post_save.disconnect(dispatch_uid="fail-second")
    assert stored_blobs(file_storage) == []
    assert SubmissionFile.objects.count() == 0 and Submission._objects.count() == 0


def test_deleting_submission_deletes_files_and_blobs(file_storage, django_capture_on_commit_callbacks):
    detail = create(files={"a": b"1", "b": b"2"})
    other = create(files={"c": b"3"})
    assert len(stored_blobs(file_storage)) == 3
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Submission._objects.filter(pk=detail.submission_id).delete()
    assert not ExternalGraderDetail.objects.filter(pk=detail.pk).exists()
    assert list(SubmissionFile.objects.values_list("original_filename", flat=True)) == ["c"]
    assert len(stored_blobs(file_storage)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert SubmissionFileManager(other).delete_all() == 1
    assert stored_blobs(file_storage) == []


def test_rolled_back_delete_keeps_blobs(file_storage, django_capture_on_commit_callbacks):
    detail = create(files={"a": b"1"})
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ZeroDivisionError), transaction.atomic():
        ExternalGraderDetail.objects.filter(pk=detail.pk).delete()
        1 / 0  # noqa: B018
    assert SubmissionFile.objects.count() == 1 and len(stored_blobs(file_storage)) == 1


def test_manager_add_and_pull_lists_files(file_storage):
    detail = create()
    SubmissionFileManager(detail).add({"late.txt": b"late"})
    pulled = queue.pull("q1")
    assert list(get_files_for_grader(pulled)) == ["late.txt"]


def test_file_field_follows_the_configured_storage(file_storage):
    """``row.file`` (admin links, ``.open()``) uses the storage configured now, not the one of import time."""
    detail = create(files={"answer.py": WithFile(b"print(1)\n")})
    row = SubmissionFile.objects.get(external_grader=detail)
    assert row.file.storage.location == str(file_storage)
    with row.file.open("rb") as handle:
        assert handle.read() == b"print(1)\n"
