"""Admin actions, management commands and system checks of the queue."""

import datetime
import io
import json

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from django.utils.timezone import now

import submissions.external_grader.admin  # noqa: F401  (registers the admin if submissions.admin does not)
from submissions.external_grader import queue
from submissions.external_grader.checks import check_queue_settings
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery, SubmissionFile
from submissions.external_grader.states import Status
from tests.external_grader.helpers import create, reply

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(user)
    return client


def test_models_registered():
    for model in (ExternalGraderDetail, SubmissionFile, ScoreEventDelivery):
        assert model in site._registry


def test_admin_pages_and_actions(staff_client, django_capture_on_commit_callbacks):
    failed, stuck, waiting = create(), create(), create()
    for _ in range(2):
        queue.pull("q1")
    queue.fail(failed.pk)
    ExternalGraderDetail.objects.filter(pk=failed.pk).update(num_failures=4)
    changelist = reverse("admin:submissions_externalgraderdetail_changelist")
    assert staff_client.get(changelist).status_code == 200
    page = staff_client.get(reverse("admin:submissions_externalgraderdetail_change", args=[stuck.pk]))
    assert (
        page.status_code == 200 and ExternalGraderDetail.objects.get(pk=stuck.pk).pullkey not in page.content.decode()
    )

    def act(action, *pks):
        return staff_client.post(changelist, {"action": action, "_selected_action": [str(pk) for pk in pks]})

    assert act("requeue_failed", failed.pk).status_code == 302
    row = ExternalGraderDetail.objects.get(pk=failed.pk)
    assert (row.status, row.num_failures, row.num_attempts) == (Status.PENDING, 0, 0)  # #18
    act("release_stuck", stuck.pk)
    assert ExternalGraderDetail.objects.get(pk=stuck.pk).status == Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        act("retire_with_notice", waiting.pk)
    assert ExternalGraderDetail.objects.get(pk=waiting.pk).status == Status.RETIRED
    response = staff_client.post(
        changelist, {"action": "show_reply", "_selected_action": [str(waiting.pk)]}, follow=True
    )
    assert "(no reply)" in response.content.decode()
    for name in ("submissionfile", "scoreeventdelivery"):
        assert staff_client.get(reverse(f"admin:submissions_{name}_changelist")).status_code == 200
    outbox = reverse("admin:submissions_scoreeventdelivery_changelist")
    ScoreEventDelivery.objects.update(delivered_at=None)
    pks = [str(pk) for pk in ScoreEventDelivery.objects.values_list("pk", flat=True)]
    staff_client.post(outbox, {"action": "redeliver", "_selected_action": pks})
    assert not ScoreEventDelivery.objects.filter(delivered_at__isnull=True).exists()
    assert staff_client.get(reverse("admin:submissions_externalgraderdetail_add")).status_code == 403
    index = staff_client.get(reverse("admin:index")).content.decode()
    assert "Score event deliveries" in index and "deliverys" not in index  # issue 15


def test_queue_status_command():
    create(), create(queue_name="q2")
    queue.pull("q1")
    text = run("queue_status")
    assert "q1: 0 ready to pull" in text and "pulled" in text and "q2: 1 ready to pull" in text
    data = json.loads(run("queue_status", "--json", "--queue", "q2"))
    assert data["q2"]["states"]["pending"]["count"] == 1


def test_requeue_stale_command():
    detail = create()
    queue.pull("q1")
    ExternalGraderDetail.objects.filter(pk=detail.pk).update(status_time=now() - datetime.timedelta(hours=1))
    assert "Released 1 stale rows" in run("requeue_stale", "--older-than", "60")
    queue.fail(detail.pk)
    assert "Requeued 1 failed rows" in run("requeue_stale", "--failed")
    assert ExternalGraderDetail.objects.get(pk=detail.pk).status == Status.PENDING


def test_retire_submissions_command():
    detail = create()
    with pytest.raises(CommandError):
        run("retire_submissions")
    assert "Retired 1 rows" in run("retire_submissions", "--id", str(detail.pk), "--no-notice")
    assert ScoreEventDelivery.objects.count() == 0


def test_purge_files_command(tmp_path, django_capture_on_commit_callbacks):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "f": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    with override_settings(STORAGES=storages, SUBMISSIONS={"FILE_STORAGE": "f"}):
        old = create(files={"a": b"1"})
        create(files={"b": b"2"})
        for _ in range(2):
            row = queue.pull("q1")
            queue.put_result(row.submission_id, row.pullkey, reply())
        ExternalGraderDetail.objects.filter(pk=old.pk).update(created_at=now() - datetime.timedelta(days=40))
        assert "Would delete 1 files" in run("purge_files", "--older-than-days", "30", "--dry-run")
        with django_capture_on_commit_callbacks(execute=True):
            assert "Deleted 1 files" in run("purge_files", "--older-than-days", "30")
    assert list(SubmissionFile.objects.values_list("original_filename", flat=True)) == ["b"]
    assert sum(1 for path in tmp_path.rglob("*") if path.is_file()) == 1
    assert "Would delete 1 grader rows" in run("purge_files", "--older-than-days", "30", "--grader-rows", "--dry-run")
    assert "Deleted 1 grader rows" in run("purge_files", "--older-than-days", "30", "--grader-rows")
    assert list(ExternalGraderDetail.objects.values_list("pk", flat=True)) != [old.pk]
    assert not ExternalGraderDetail.objects.filter(pk=old.pk).exists() and ExternalGraderDetail.objects.count() == 1


def test_deliver_score_events_command(score_receiver):
    create()
    row = queue.pull("q1")
    queue.put_result(row.submission_id, row.pullkey, reply())  # on_commit not run: still pending delivery
    assert "Delivered 0 events" in run("deliver_score_events")  # the writer's claim has not run out yet
    ScoreEventDelivery.objects.update(next_attempt_at=now() - datetime.timedelta(seconds=1))  # now it has
    assert "Delivered 1 events; 0 failed" in run("deliver_score_events")
    assert len(score_receiver.calls) == 1
    assert "Delivered 0 events" in run("deliver_score_events", "--loop", "--rounds", "2", "--interval", "0")


def test_checks():
    assert check_queue_settings() == []
    with override_settings(SUBMISSIONS={"SCORE_EVENT_BUS_TOPIC": "t"}):
        assert [m.id for m in check_queue_settings()] == ["submissions.E102"]
    with override_settings(
        EVENT_BUS_PRODUCER="edx_event_bus_redis.create_producer",
        EVENT_BUS_PRODUCER_CONFIG={"org.openedx.learning.external_grader.score.submitted.v1": {}},
        SUBMISSIONS={"SCORE_EVENT_BUS_TOPIC": "t"},
    ):
        assert [m.id for m in check_queue_settings()] == ["submissions.W101"]
    with override_settings(SUBMISSIONS={"QUEUES": "q1", "FILE_ALLOWED_NAMES": [1], "PROCESSING_DELAY": -5}):
        assert [m.id for m in check_queue_settings()] == ["submissions.E103", "submissions.E103", "submissions.E104"]
