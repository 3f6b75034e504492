"""The core management commands: analyze_uploaded_file_sizes and update_submissions_uuids (#20)."""

import datetime
import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from submissions import api
from submissions.models import Submission

pytestmark = pytest.mark.django_db


def run(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def submit(student_id, course_id="course-a", sizes=None, item_type="openassessment", created_days_ago=0, text="t"):
    answer = {"parts": [{"text": text}]}
    if sizes is not None:
        answer.update({"file_keys": ["k"] * len(sizes), "files_sizes": sizes})
    item = {"student_id": student_id, "course_id": course_id, "item_id": "ora-1", "item_type": item_type}
    data = api.create_submission(item, answer)
    if created_days_ago:
        Submission.objects.filter(uuid=data["uuid"]).update(
            created_at=timezone.now() - datetime.timedelta(days=created_days_ago)
        )
    return data


# -- analyze_uploaded_file_sizes --


def test_analyze_with_explicit_dates():
    """4.x crashed as soon as --min_date or --max_date was given."""
    submit("a", sizes=[100, 200])
    submit("b", sizes=[50])
    submit("c", sizes=[])  # no bytes: not counted as a user
    submit("d")  # no files at all
    submit("e", course_id="course-b", sizes=[1000])
    submit("f", course_id="course-b", sizes=[10], item_type="problem")  # other item type
    submit("g", course_id="course-c", sizes=[7], created_days_ago=40)  # outside the default range
    today = timezone.localdate()
    output = run(
        "analyze_uploaded_file_sizes",
        f"--min_date={today - datetime.timedelta(days=10):%Y-%m-%d}",
        f"--max_date={today:%Y-%m-%d}",
    )
    lines = output.splitlines()
    header = lines.index("Course ID\tUsers with Uploaded Files\tTotal Uploaded Bytes\tAverage Upload per User")
    assert lines[header + 1 :] == ["course-a\t2\t350\t175", "course-b\t1\t1000\t1000"]


def test_analyze_default_range_and_empty_table():
    output = run("analyze_uploaded_file_sizes")
    assert output.splitlines()[-1].startswith("Course ID")
    submit("g", course_id="course-c", sizes=[7], created_days_ago=40)
    assert "course-c" not in run("analyze_uploaded_file_sizes")
    today = timezone.localdate()
    older = run("analyze_uploaded_file_sizes", f"--min_date={today - datetime.timedelta(days=60):%Y-%m-%d}")
    assert "course-c\t1\t7\t7" in older


def test_analyze_ignores_malformed_sizes():
    submit("a", sizes=[100, "x", None, True, -5])
    assert "course-a\t1\t100\t100" in run("analyze_uploaded_file_sizes")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min_date=2024-02-01", "--max_date=2024-01-01"], "must not be before"),
        (["--min_date=2024-01-01", "--max_date=2024-06-01"], "90 days"),
        (["--min_date=yesterday"], "invalid date"),
        (["--max_date=2024-13-01"], "invalid date"),
    ],
)
def test_analyze_rejects_bad_dates(args, message):
    with pytest.raises(CommandError, match=message):
        run("analyze_uploaded_file_sizes", *args)


def test_analyze_clamps_to_the_earliest_date_and_warns_about_the_future():
    output = run("analyze_uploaded_file_sizes", "--min_date=2019-10-01", "--max_date=2019-12-01")
    assert "Setting min_date to 2019-11-01" in output
    future = timezone.localdate() + datetime.timedelta(days=3)
    output = run("analyze_uploaded_file_sizes", f"--max_date={future:%Y-%m-%d}")
    assert "max_date is in the future" in output


# -- update_submissions_uuids --


def test_update_uuids_on_an_empty_table():
    """4.x crashed with a TypeError comparing against None."""
    assert "No submissions to update" in run("update_submissions_uuids", "--wait=0")


def _raw_uuids():
    with connection.cursor() as cursor:
        cursor.execute("SELECT uuid FROM submissions_submission ORDER BY id")
        return [str(value) for (value,) in cursor.fetchall()]


def test_update_uuids_normalises_hyphenated_rows_in_chunks():
    created = [submit(f"s{n}")["uuid"] for n in range(5)]
    api.reset_score("s4", "course-a", "ora-1", clear_state=True)  # deleted rows are normalised too
    ids = list(Submission._objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        for pk, value in zip(ids, created, strict=True):
            cursor.execute("UPDATE submissions_submission SET uuid = %s WHERE id = %s", [value, pk])
    output = run("update_submissions_uuids", "--chunk=2", "--wait=0")
    assert f"Updated 5 submission(s) with ids 0 to {ids[-1]}" in output
    raw = _raw_uuids()
    if not connection.features.has_native_uuid_field:
        assert raw == [uuid.UUID(value).hex for value in created]
    assert [str(value) for value in Submission._objects.order_by("id").values_list("uuid", flat=True)] == created
    for value in created[:4]:
        assert api.get_submission(value)["uuid"] == value


def test_update_uuids_resumes_from_start():
    created = [submit(f"s{n}")["uuid"] for n in range(3)]
    ids = list(Submission._objects.order_by("id").values_list("id", flat=True))
    output = run("update_submissions_uuids", f"--start={ids[1]}", "--wait=0")
    assert f"Updated 2 submission(s) with ids {ids[1]} to {ids[-1]}" in output
    assert "No submissions to update" in run("update_submissions_uuids", f"--start={ids[-1] + 1}", "--wait=0")
    assert len(created) == 3


@pytest.mark.parametrize("args", [["--chunk=0"], ["--wait=-1"]])
def test_update_uuids_bad_arguments(args):
    with pytest.raises(CommandError):
        run("update_submissions_uuids", *args)
