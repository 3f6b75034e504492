"""Submission files on S3 (django-storages) against a real moto_server on 127.0.0.1."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import transaction
from django.test import override_settings

from submissions.external_grader.files import get_files_for_grader
from submissions.external_grader.models import ExternalGraderDetail, SubmissionFile
from tests.external_grader.helpers import create

boto3 = pytest.importorskip("boto3")
pytest.importorskip("storages.backends.s3")

pytestmark = pytest.mark.django_db

BUCKET = "sub-queue-files"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    port = _free_port()
    executable = os.path.join(os.path.dirname(sys.executable), "moto_server")
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("moto_server did not start")
                time.sleep(0.2)
        boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_storage(moto_endpoint):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "submission_files": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto_endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": CREDENTIALS["region_name"],
                "querystring_auth": True,
                "addressing_style": "path",
                "file_overwrite": False,
            },
        },
    }
    with override_settings(STORAGES=storages, SUBMISSIONS={"FILE_STORAGE": "submission_files", "FILE_URL_MAX_AGE": 60}):
        yield boto3.client("s3", endpoint_url=moto_endpoint, **CREDENTIALS)


def _keys(client):
    return sorted(entry["Key"] for entry in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_upload_signed_download_delete(s3_storage, django_capture_on_commit_callbacks):
    before = set(_keys(s3_storage))
    detail = create(queue_name="s3 queue", files={"main.py": b"print('s3')", "blob.bin": bytes(range(256))})
    keys = sorted(set(_keys(s3_storage)) - before)
    assert len(keys) == 2 and all(key.startswith("s3_queue/") for key in keys)

    urls = get_files_for_grader(detail)
    assert set(urls) == {"main.py", "blob.bin"}
    for name, url in urls.items():
        assert url.startswith(s3_storage.meta.endpoint_url) and ("Signature" in url or "X-Amz-Signature" in url)
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback test server)
            body = response.read()
        assert body == {"main.py": b"print('s3')", "blob.bin": bytes(range(256))}[name]
    # the URL without its signature is refused
    unsigned = urls["main.py"].split("?")[0]
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(unsigned, timeout=10)  # noqa: S310
    assert excinfo.value.code == 403

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ExternalGraderDetail.objects.filter(pk=detail.pk).delete()
    assert SubmissionFile.objects.count() == 0
    assert set(_keys(s3_storage)) == before


def test_failed_create_leaves_no_object(s3_storage):
    before = _keys(s3_storage)
    with pytest.raises(Exception):  # noqa: B017,PT011  (any invalid item)
        create(item={"student_id": ""}, files={"a.py": b"1"})
    assert _keys(s3_storage) == before
