"""Score events on the openedx-events bus through edx-event-bus-redis, against the Redis on 127.0.0.1:6379."""

import datetime
import inspect
import json
import socket
import uuid

import pytest
from django.test import override_settings
from django.utils.timezone import now

from submissions.external_grader import events, queue
from submissions.external_grader.models import ScoreEventDelivery
from tests.external_grader.helpers import create, reply

redis = pytest.importorskip("redis")
pytest.importorskip("edx_event_bus_redis")
event_bus = pytest.importorskip("openedx_events.event_bus")

pytestmark = pytest.mark.django_db

TOPIC = "external-grader-score"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield client
    client.close()


@pytest.fixture
def bus(redis_client):
    prefix = f"sub_queue-{uuid.uuid4().hex[:12]}"

    def configure(url=REDIS_URL):
        event_bus.get_producer.cache_clear()
        return override_settings(
            EVENT_BUS_PRODUCER="edx_event_bus_redis.create_producer",
            EVENT_BUS_REDIS_CONNECTION_URL=url,
            EVENT_BUS_TOPIC_PREFIX=prefix,
            SUBMISSIONS={"SCORE_EVENT_BUS_TOPIC": TOPIC},
        )

    configure.stream = f"{prefix}-{TOPIC}"
    yield configure
    redis_client.delete(configure.stream)
    event_bus.get_producer.cache_clear()


def _decode(redis_client, stream):
    from openedx_events.event_bus.avro.deserializer import deserialize_bytes_to_event_data
    from openedx_events.learning.signals import EXTERNAL_GRADER_SCORE_SUBMITTED

    entries = redis_client.xrange(stream)
    return [
        deserialize_bytes_to_event_data(data[b"event_data"], EXTERNAL_GRADER_SCORE_SUBMITTED) for _, data in entries
    ]


def _grade(capture, body):
    create(points_possible=10, queue_key="lms-bus")
    row = queue.pull("q1")
    with capture(execute=True):
        queue.put_result(row.submission_id, row.pullkey, body)
    return row


def test_score_event_reaches_the_redis_stream(bus, redis_client, django_capture_on_commit_callbacks, score_receiver):
    body = reply(score=0.75)
    with bus():
        row = _grade(django_capture_on_commit_callbacks, body)
    decoded = _decode(redis_client, bus.stream)
    assert len(decoded) == 1
    score = decoded[0]["score"]
    assert (score.submission_id, score.points_earned, score.points_possible) == (row.submission_id, 8, 10)
    assert score.score_msg == body and score.queue_key == "lms-bus"
    delivery = ScoreEventDelivery.objects.get()
    assert delivery.delivered_at is not None
    assert json.loads(delivery.payload)["done"] == ["signal", "openedx", "bus"]
    assert len(score_receiver.calls) == 1


def test_failed_publish_is_retried_not_lost(bus, redis_client, django_capture_on_commit_callbacks, score_receiver):
    with bus(url=_closed_port_url()):
        row = _grade(django_capture_on_commit_callbacks, reply(score=1))
    delivery = ScoreEventDelivery.objects.get()
    assert delivery.delivered_at is None and "bus" in delivery.last_error
    assert json.loads(delivery.payload)["done"] == ["signal", "openedx"]
    assert redis_client.xlen(bus.stream) == 0
    ScoreEventDelivery.objects.update(next_attempt_at=now() - datetime.timedelta(seconds=1))
    with bus():
        assert events.deliver_pending_events() == (1, 0)
    decoded = _decode(redis_client, bus.stream)
    assert [entry["score"].submission_id for entry in decoded] == [row.submission_id]
    assert len(score_receiver.calls) == 1  # the local signal was not sent again
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 2


def test_no_producer_is_a_recorded_failure(django_capture_on_commit_callbacks):
    event_bus.get_producer.cache_clear()
    try:
        with override_settings(EVENT_BUS_PRODUCER=None, SUBMISSIONS={"SCORE_EVENT_BUS_TOPIC": TOPIC}):
            _grade(django_capture_on_commit_callbacks, reply())
    finally:
        event_bus.get_producer.cache_clear()
    delivery = ScoreEventDelivery.objects.get()
    assert delivery.delivered_at is None and "No event bus producer" in delivery.last_error


def test_contract_of_the_internal_names_the_publish_uses(bus):
    """
    ADR 0025: the publish relies on edx-event-bus-redis's internal package, so the [event-bus-redis] extra has
    an upper bound. Before raising it, this test and the two stream tests above must pass on the new version.
    """
    from edx_event_bus_redis import create_producer

    from submissions.external_grader.bus import redis_internals

    internals = redis_internals()
    assert isinstance(internals.STREAM_MAX_LEN, int) and internals.STREAM_MAX_LEN > 0
    assert {"topic", "event_data", "event_metadata"} <= set(inspect.signature(internals.RedisMessage).parameters)
    assert callable(internals.RedisMessage.to_binary_dict)
    with bus():
        assert internals.get_full_topic(TOPIC) == bus.stream
        producer = create_producer()
        assert isinstance(producer, internals.RedisEventProducer)
        assert callable(producer.client.Stream)
