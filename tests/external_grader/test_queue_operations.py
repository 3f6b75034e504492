"""Queue services besides the core: invalidation, registry, back-off, requeue, retire, fail, regrade, stats."""

import datetime
import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from submissions.errors import (
    ExternalGraderNotFoundError,
    GraderAuthorizationError,
    IncorrectPullKeyError,
    InvalidTransitionError,
    LateGraderReplyError,
    SubmissionNotFoundError,
    SubmissionRequestError,
    UnknownQueueError,
)
from submissions.external_grader import permissions, queue
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery
from submissions.external_grader.states import Status
from tests.external_grader.helpers import create, reply, student_item

pytestmark = pytest.mark.django_db


def status_of(detail):
    return ExternalGraderDetail.objects.get(pk=detail.pk).status


def age(detail, seconds, field="status_time"):
    ExternalGraderDetail.objects.filter(pk=detail.pk).update(**{field: now() - datetime.timedelta(seconds=seconds)})


def test_prior_attempts_are_retired_and_their_replies_rejected():
    item = student_item()
    first = create(item=item)
    pulled = queue.pull("q1")
    second = create(item=item, queue_name="other")
    assert status_of(first) == Status.RETIRED and status_of(second) == Status.PENDING
    with pytest.raises(LateGraderReplyError):
        queue.put_result(pulled.submission_id, pulled.pullkey, reply())
    with override_settings(SUBMISSIONS={"INVALIDATE_PRIOR_ATTEMPTS": False}):
        third = create(item=item, queue_name="other")
    assert status_of(second) == Status.PENDING and status_of(third) == Status.PENDING


def test_payload_and_student_info_kept_and_other_kwargs_ignored():
    detail = create(grader_payload={"grader": "x.py", "x": 1}, student_info='{"anonymous_student_id": "a"}', foo=1)
    assert json.loads(detail.grader_payload) == {"grader": "x.py", "x": 1}
    assert detail.student_info == '{"anonymous_student_id": "a"}'
    with pytest.raises(SubmissionRequestError):
        create(grader_payload=12)


def test_registry():
    with override_settings(SUBMISSIONS={"QUEUES": ["a", "b"]}):
        assert queue.is_known_queue("a") and not queue.is_known_queue("c")
        assert queue.pull("a") is None and queue.queue_length("b") == 0
        with pytest.raises(UnknownQueueError):
            queue.pull("c")
        assert queue.known_queues() == ["a", "b"]
        assert set(queue.queue_stats()) == {"a", "b"}


def test_grader_queue_restriction(django_user_model):
    create(queue_name="q1")
    grader = django_user_model(username="watcher")
    with override_settings(SUBMISSIONS={"GRADER_QUEUES": {"watcher": ["q2"]}}):
        with pytest.raises(GraderAuthorizationError):
            queue.pull("q1", grader=grader)
        assert queue.pull("q1", grader=django_user_model(username="other")) is not None


class EmailNamedUser:
    """A user of a model whose ``USERNAME_FIELD`` is the e-mail: it has no ``username`` attribute."""

    def __init__(self, email):
        self.email = email

    def get_username(self):
        return self.email


def test_grader_queue_restriction_follows_the_username_field():
    """``GRADER_QUEUES`` is keyed by ``get_username()``, as the XQueue views' permission check reads it."""
    create(queue_name="q1")
    grader = EmailNamedUser("watcher@example.org")
    with override_settings(SUBMISSIONS={"GRADER_QUEUES": {"watcher@example.org": ["q2"]}}):
        assert permissions.allowed_queues(grader) == {"q2"}
        with pytest.raises(GraderAuthorizationError):
            queue.pull("q1", grader=grader)
        with pytest.raises(GraderAuthorizationError):
            queue.take("q1", grader=grader)
        assert queue.pull("q1", grader=EmailNamedUser("other@example.org")) is not None


def test_retry_back_off():
    detail = create()
    ExternalGraderDetail.objects.filter(pk=detail.pk).update(status=Status.RETRY, num_failures=2)
    with override_settings(SUBMISSIONS={"RETRY_BACKOFF": 10}):
        age(detail, 15)  # needs 2 x 10 s
        assert queue.queue_length("q1") == 0 and queue.pull("q1") is None
        age(detail, 25)
        assert queue.queue_length("q1") == 1
        assert queue.pull("q1").pk == detail.pk


def test_queue_length_counts_what_can_be_pulled_now():
    rows = [create() for _ in range(4)]
    queue.pull("q1")
    queue.pull("q1")
    assert queue.queue_length("q1") == 2
    with override_settings(SUBMISSIONS={"PROCESSING_DELAY": 60}):
        age(rows[0], 61)
        assert queue.queue_length("q1") == 3


def test_legacy_processing_delay_minutes():
    create()
    queue.pull("q1")
    with override_settings(SUBMISSION_PROCESSING_DELAY=1):
        assert queue.queue_length("q1") == 0
        age(ExternalGraderDetail.objects.get(), 61)
        assert queue.queue_length("q1") == 1


def test_requeue_stale_and_failed(django_capture_on_commit_callbacks):
    a, b = create(), create()
    queue.pull("q1")
    queue.pull("q1")
    age(a, 1000)
    age(b, 1000)
    ExternalGraderDetail.objects.filter(pk=b.pk).update(num_attempts=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue.requeue_stale(older_than=500) == {"released": 1, "failed": 1}
    assert status_of(a) == Status.PENDING and ExternalGraderDetail.objects.get(pk=a.pk).pullkey is None
    failed = ExternalGraderDetail.objects.get(pk=b.pk)
    assert failed.status == Status.FAILED and failed.num_failures == 1
    assert queue.requeue_failed(ids=[a.pk]) == 0
    assert queue.requeue_failed() == 1
    again = ExternalGraderDetail.objects.get(pk=b.pk)
    assert (again.status, again.num_failures, again.num_attempts) == (Status.PENDING, 0, 0)


def test_retire_with_and_without_notice(django_capture_on_commit_callbacks, score_receiver):
    a, b, c = create(), create(), create(queue_name="q2")
    with pytest.raises(SubmissionRequestError):
        queue.retire()
    with django_capture_on_commit_callbacks(execute=True):
        assert queue.retire(ids=[a.pk]) == 1
        assert queue.retire(queue_name="q1", notice=False) == 1
    assert status_of(a) == status_of(b) == Status.RETIRED and status_of(c) == Status.PENDING
    assert [call["score"].submission_id for call in score_receiver.calls] == [a.submission_id]
    age(c, 3 * 86400, field="created_at")
    assert queue.retire(older_than=2 * 86400, notice=False) == 1


def test_fail(django_capture_on_commit_callbacks, failed_receiver, score_receiver):
    detail = create()
    with django_capture_on_commit_callbacks(execute=True):
        queue.fail(detail.pk, reason="bad grader")
    assert status_of(detail) == Status.FAILED
    assert failed_receiver.calls[0]["reason"] == "bad grader"
    assert failed_receiver.calls[0]["external_grader"].pk == detail.pk
    assert ScoreEventDelivery.objects.get().kind == "failure"
    with pytest.raises(InvalidTransitionError):
        queue.fail(detail.pk)
    with pytest.raises(ExternalGraderNotFoundError):
        queue.fail(10**9)


def test_regrade():
    detail = create()
    row = queue.pull("q1")
    queue.put_result(row.submission_id, row.pullkey, reply())
    uuid = str(row.submission.uuid)
    regraded = queue.regrade(uuid, only_if_higher=True)
    assert (regraded.status, regraded.pullkey, regraded.grader_reply) == (Status.PENDING, None, None)
    assert regraded.only_if_higher is True
    again = queue.regrade(uuid)  # still pending: only the flag changes
    assert again.status == Status.PENDING and again.only_if_higher is False
    with pytest.raises(IncorrectPullKeyError):  # the old key is dead
        queue.put_result(row.submission_id, row.pullkey, reply())
    assert queue.pull("q1").pk == detail.pk
    with pytest.raises(SubmissionNotFoundError):
        queue.regrade("00000000-0000-0000-0000-000000000000")
    with pytest.raises(SubmissionRequestError):
        queue.regrade("not-a-uuid")


def test_cancel_unfinished():
    item = student_item()
    detail = create(item=item)
    assert queue.cancel_unfinished(item) == 1
    assert status_of(detail) == Status.RETIRED
    assert queue.cancel_unfinished(item) == 0
    assert queue.cancel_unfinished(student_item()) == 0


def test_queue_stats():
    create(), create(), create(queue_name="q2")
    queue.pull("q1")
    stats = queue.queue_stats()
    assert stats["q1"]["states"][Status.PENDING]["count"] == 1
    assert stats["q1"]["states"][Status.PULLED]["count"] == 1
    assert stats["q1"]["eligible"] == 1 and stats["q2"]["eligible"] == 1
    assert stats["q1"]["states"][Status.PENDING]["oldest_age"] >= 0
    assert list(queue.queue_stats(queue_name="q2")) == ["q2"]


def work_statements(ctx):
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN"))]


def test_pull_query_count():
    for _ in range(3):
        create()
    with CaptureQueriesContext(connection) as ctx:
        row = queue.pull("q1")
        row.submission.student_item.student_id  # noqa: B018  (loaded: no query)
    writes = work_statements(ctx)
    limit = 3 if connection.features.has_select_for_update_of or connection.vendor == "sqlite" else 4
    assert len(writes) <= limit, writes


def test_an_idle_poll_and_a_queue_length_are_one_statement():
    """Idle watchers poll once a second per connection: an empty queue must cost the least of all."""
    detail = create()
    row = queue.pull("q1")
    queue.put_result(row.submission_id, row.pullkey, reply())
    assert status_of(detail) == Status.RETIRED
    with CaptureQueriesContext(connection) as ctx:
        assert queue.pull("q1") is None
    if connection.vendor == "postgresql":  # other backends read the candidates apart, then whether the queue exists
        assert len(work_statements(ctx)) == 1, work_statements(ctx)
    with CaptureQueriesContext(connection) as ctx, pytest.raises(UnknownQueueError):
        queue.pull("never-used")
    if connection.vendor == "postgresql":
        assert len(work_statements(ctx)) == 1, work_statements(ctx)
    with CaptureQueriesContext(connection) as ctx:
        assert queue.queue_length("q1") == 0
    assert len(work_statements(ctx)) == 1, work_statements(ctx)
    with pytest.raises(UnknownQueueError):
        queue.queue_length("never-used")
    with override_settings(SUBMISSIONS={"QUEUES": ["q1", "listed"]}):
        assert queue.queue_length("listed") == 0 and queue.pull("listed") is None
        with pytest.raises(UnknownQueueError):
            queue.queue_length("never-used")


def test_a_pull_that_finds_candidates_but_none_eligible_hands_out_nothing():
    """A retry row past the first back-off step but not its own (third failure) is a candidate, not eligible."""
    detail = create()
    ExternalGraderDetail.objects.filter(pk=detail.pk).update(status=Status.RETRY, num_failures=3)
    with override_settings(SUBMISSIONS={"RETRY_BACKOFF": 10}):
        age(detail, 15)  # past 10 s, not 3 x 10 s
        assert queue.pull("q1") is None and queue.queue_length("q1") == 0
        assert status_of(detail) == Status.RETRY
        age(detail, 31)
        assert queue.pull("q1").pk == detail.pk


def test_put_result_rejects_empty_key():
    create()
    row = queue.pull("q1")
    from submissions.errors import GraderReplyError

    with pytest.raises(GraderReplyError):
        queue.put_result(row.submission_id, "", reply())


def test_points_rounding_half_up():
    assert queue.scaled_points(0.5, 1) == 1
    assert queue.scaled_points(0.5, 3) == 2
    assert queue.scaled_points(0.25, 2) == 1
    assert queue.scaled_points(0.125, 4) == 1
    assert queue.scaled_points(1 / 3, 3) == 1
    assert queue.scaled_points(0, 5) == 0 and queue.scaled_points(1, 5) == 5
    assert queue.scaled_points(0.3, 0) == 0


def test_legacy_manager_methods():
    assert ExternalGraderDetail.objects.get_queue_length("q1") == 0
    first, second = create(), create()
    assert ExternalGraderDetail.objects.get_queue_length("q1") == 2  # visible at once (4.x #17)
    assert ExternalGraderDetail.objects.get_next_submission("q1").pk == first.pk
    queue.pull("q1")
    assert ExternalGraderDetail.objects.get_next_submission("q1").pk == second.pk
    assert ExternalGraderDetail.objects.filter(ExternalGraderDetail.objects.time_filter()).count() == 1


def test_lenient_key_and_points_types():
    detail = create(queue_key=12345, points_possible=2.0)
    assert detail.queue_key == "12345" and detail.points_possible == 2
    with pytest.raises(SubmissionRequestError):
        create(points_possible=1.5)
    with pytest.raises(SubmissionRequestError):
        create(queue_key=["x"])
