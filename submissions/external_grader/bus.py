"""
Publishing the score event to the openedx-events event bus, so that a failure is seen.

openedx-events' own bus handler (connected when ``EVENT_BUS_PRODUCER_CONFIG`` lists the event)
runs inside ``send_event`` and the Redis and Kafka producers log and swallow their errors, so a
failed publish would be lost. Instead the host sets ``SUBMISSIONS["SCORE_EVENT_BUS_TOPIC"]`` and the
outbox (:mod:`submissions.external_grader.events`) publishes through :func:`publish_score`, which
raises on failure; the outbox retries it later. For edx-event-bus-redis the stream write is done
here with the producer's own client and serializer, so its error reaches us; any other producer is
called through its public ``send()`` (whatever it swallows stays invisible).

That stream write needs names edx-event-bus-redis keeps in its ``internal`` package (its public API is
``create_producer``, whose ``send()`` swallows errors): they are imported in :func:`redis_internals` only,
the ``[event-bus-redis]`` extra bounds the package's version, and a contract test checks these names before
the bound is raised (ADR 0025).
"""

import logging
from types import SimpleNamespace

from submissions.conf import app_settings

__all__ = ["BusPublishError", "publish_score", "redis_internals", "EVENT_KEY_FIELD"]

logger = logging.getLogger(__name__)

#: The event key used by producers that partition by key (Kafka).
EVENT_KEY_FIELD = "score.submission_id"


class BusPublishError(Exception):
    """The event could not be published to the bus (retried by the outbox)."""


def redis_internals():
    """
    The names of edx-event-bus-redis's ``internal`` package the publish uses, as a namespace:
    ``RedisEventProducer`` (its producer class), ``RedisMessage`` (its stream-entry format),
    ``get_full_topic`` (the topic prefix) and ``STREAM_MAX_LEN`` (its stream trimming).
    Raises ``ImportError`` without the ``[event-bus-redis]`` extra.
    """
    from edx_event_bus_redis.internal.config import get_full_topic
    from edx_event_bus_redis.internal.message import RedisMessage
    from edx_event_bus_redis.internal.producer import STREAM_MAX_LEN, RedisEventProducer

    return SimpleNamespace(
        RedisEventProducer=RedisEventProducer,
        RedisMessage=RedisMessage,
        get_full_topic=get_full_topic,
        STREAM_MAX_LEN=STREAM_MAX_LEN,
    )


def _publish_redis(internals, producer, signal, topic, event_data, metadata):
    from openedx_events.event_bus.avro.serializer import serialize_event_data_to_bytes

    full_topic = internals.get_full_topic(topic)
    message = internals.RedisMessage(
        topic=full_topic,
        event_data=serialize_event_data_to_bytes(event_data, signal),
        event_metadata=metadata,
    )
    stream = producer.client.Stream(full_topic)
    return stream.add(message.to_binary_dict(), maxlen=internals.STREAM_MAX_LEN, approximate=True)


def publish_score(data):
    """
    Publish one :class:`~submissions.external_grader.events.ScoreEventData` to the configured topic.

    Raises :class:`BusPublishError` when no producer is configured or the publish fails.
    """
    from openedx_events.event_bus import NoEventBusProducer, get_producer
    from openedx_events.learning.signals import EXTERNAL_GRADER_SCORE_SUBMITTED as signal

    topic = app_settings.SCORE_EVENT_BUS_TOPIC
    producer = get_producer()
    if producer is None or isinstance(producer, NoEventBusProducer):
        raise BusPublishError("No event bus producer is configured (EVENT_BUS_PRODUCER)")
    event_data = {"score": data.to_openedx()}
    metadata = signal.generate_signal_metadata()
    try:
        internals = redis_internals()
    except ImportError:
        internals = None
    try:
        if internals is not None and isinstance(producer, internals.RedisEventProducer):
            message_id = _publish_redis(internals, producer, signal, topic, event_data, metadata)
            logger.info("Score event of submission %s published to %s (%s)", data.submission_id, topic, message_id)
        else:
            producer.send(
                signal=signal,
                topic=topic,
                event_key_field=EVENT_KEY_FIELD,
                event_data=event_data,
                event_metadata=metadata,
            )
    except Exception as exc:  # a boundary: any producer error is reported to the outbox
        raise BusPublishError(f"Publishing to {topic!r} failed: {exc!r}") from exc
