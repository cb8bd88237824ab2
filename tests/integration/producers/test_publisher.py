"""The Publisher against the real Kafka broker: what arrives, with which key and headers."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from structlog.testing import capture_logs

from deploy.local import StackSettings
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.settings import replace
from producers.sdk import (
    ConfigError,
    DeliveryReport,
    FlushTimeoutError,
    PublisherClosedError,
    PublisherConfig,
    QueueFullError,
    ValidationError,
)
from producers.sdk.publisher import Publisher
from producers.sdk.topics import create_topic, delete_topic
from schemas.codec import decode
from schemas.events import RECORD_TYPE_HEADER, RecordType, SourceEvent
from tests.integration.kafka_reading import message_count, read_topic
from tests.unit.schemas import samples


def config_for(stack: StackSettings, **changes: object) -> PublisherConfig:
    """Publisher settings for the local broker with a short linger (tests are small)."""
    return replace(PublisherConfig(kafka=stack.kafka_admin, linger_ms=5), **changes)


def numbered(record_type: RecordType, index: int) -> SourceEvent:
    """A sample event with its own event id and record version."""
    header = samples.header(
        event_id=f"evt-{index}", record_version=index, source_record_id=f"r{index}"
    )
    return samples.event(record_type, header=header)


def test_published_events_decode_to_their_input(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """Each record type arrives once, decodes to the input, keyed org:local id, typed header."""
    topic = topic_factory("sdk")
    events = [samples.event(record_type) for record_type in RecordType]
    with Publisher(config_for(stack), topic=topic) as publisher:
        for event in events:
            publisher.publish(event)
    messages = read_topic(stack.kafka_admin, topic, count=len(events))
    assert [decode(m.value()).to_source_event() for m in messages] == events
    assert {m.key() for m in messages} == {b"RXX01:MRN0001"}
    assert [m.headers() for m in messages] == [
        [(RECORD_TYPE_HEADER, rt.value.encode())] for rt in RecordType
    ]


def test_delivery_reports_reach_callbacks_and_stats(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """Every event gets one report (per-event and publisher callbacks) and stats add up."""
    topic = topic_factory("sdk")
    all_reports: list[DeliveryReport] = []
    mine: list[DeliveryReport] = []
    with Publisher(config_for(stack), topic=topic, on_delivery=all_reports.append) as publisher:
        for index in range(30):
            callback = mine.append if index % 10 == 0 else None
            publisher.publish(numbered(RecordType.RESULT, index), on_delivery=callback)
        stats = publisher.flush(30)
    assert (stats.sent, stats.delivered, stats.failed, stats.in_flight) == (30, 30, 0, 0)
    assert dict(stats.delivered_by_type) == {"result": 30}
    assert [r.offset for r in all_reports] == list(range(30))
    assert [(r.event_id, r.topic, r.partition, r.error) for r in mine] == [
        (f"evt-{i}", topic, 0, None) for i in (0, 10, 20)
    ]


def test_invalid_event_raises_and_nothing_is_produced(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """An invalid event raises ValidationError listing its problems; the topic stays empty."""
    topic = topic_factory("sdk")
    bad = samples.event(RecordType.RESULT, code={"system": "FOO", "code": ""})
    with Publisher(config_for(stack), topic=topic) as publisher:
        with pytest.raises(ValidationError) as caught:
            publisher.publish(bad)
        assert publisher.stats.sent == 0
    assert [str(p) for p in caught.value.problems] == [
        "result.code.system: unknown code system (expected one of SNOMED, LOINC, DMD, ICD10, "
        "READ, OPCS4, LOCAL)",
        "result.code.code: required, must not be empty",
    ]
    assert message_count(stack.kafka_admin, topic) == 0


def test_publish_all_sends_nothing_when_one_event_is_invalid(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """A batch with one invalid event is refused whole; problems name the event's index."""
    topic = topic_factory("sdk")
    batch = [numbered(RecordType.CONSENT, i) for i in range(3)]
    batch[1].payload["header"]["record_version"] = -1
    with Publisher(config_for(stack), topic=topic) as publisher:
        with pytest.raises(ValidationError, match=r"events\[1\]\.consent\.header\.record_version"):
            publisher.publish_all(batch)
        batch[1].payload["header"]["record_version"] = 1
        assert publisher.publish_all(batch) == 3
    assert message_count(stack.kafka_admin, topic) == 3


def test_one_patient_stays_on_one_partition_in_order(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """Events with one source key land on a single partition of a 3-partition topic, in order."""
    topic = topic_factory("sdk", partitions=3)
    with Publisher(config_for(stack), topic=topic) as publisher:
        for index in range(12):
            publisher.publish(numbered(RecordType.ENCOUNTER, index))
    messages = read_topic(stack.kafka_admin, topic, count=12)
    assert len({m.partition() for m in messages}) == 1
    assert [decode(m.value()).payload["header"]["record_version"] for m in messages] == list(
        range(12)
    )


def test_broker_rejection_is_reported_as_failure(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """A message larger than the topic allows fails delivery; stats count it by error name."""
    topic = topic_factory("tiny", config={"max.message.bytes": "200"})
    reports: list[DeliveryReport] = []
    event = samples.event(RecordType.PATIENT, address_lines=["x" * 400])
    with Publisher(config_for(stack, compression="none"), topic=topic) as publisher:
        publisher.publish(event, on_delivery=reports.append)
        stats = publisher.flush(30)
    assert (stats.sent, stats.delivered, stats.failed) == (1, 0, 1)
    assert dict(stats.failures) == {"MSG_SIZE_TOO_LARGE": 1}
    assert [(r.delivered, r.error, r.offset) for r in reports] == [
        (False, "MSG_SIZE_TOO_LARGE", None)
    ]


def test_topic_prefix_routes_to_prefixed_source_topic(stack: StackSettings) -> None:
    """With a topic prefix, an event goes to '<prefix>mcr.source.<its org>'."""
    prefix = f"t.{uuid.uuid4().hex[:8]}."
    event = samples.event(RecordType.CONSENT)
    org = event.payload["header"]["org"]
    topic = create_topic(stack.kafka_admin, f"{prefix}mcr.source.{org}")
    try:
        with Publisher(config_for(stack, topic_prefix=prefix)) as publisher:
            assert publisher.topic_for(event) == topic
            publisher.publish(event)
        assert message_count(stack.kafka_admin, topic) == 1
    finally:
        delete_topic(stack.kafka_admin, topic)


def test_closed_publisher_refuses_to_publish(stack: StackSettings) -> None:
    """After close(), publish raises PublisherClosedError; closing again is harmless."""
    publisher = Publisher(config_for(stack), topic="unused")
    publisher.close()
    with pytest.raises(PublisherClosedError):
        publisher.publish(samples.event(RecordType.CONSENT))
    assert publisher.close().sent == 0


def test_logs_carry_no_phi(stack: StackSettings, topic_factory: Callable[..., str]) -> None:
    """Publishing (with a failed delivery) logs ids and reasons, never names or NHS numbers."""
    topic = topic_factory("tiny", config={"max.message.bytes": "200"})
    event = samples.event(RecordType.PATIENT, address_lines=["1 Test Street" * 30])
    with (
        capture_logs() as logs,
        Publisher(config_for(stack, compression="none"), topic=topic) as publisher,
    ):
        publisher.publish(event)
        publisher.flush(30)
    assert [entry["event"] for entry in logs] == ["delivery failed", "publisher closed"]
    text = repr(logs)
    for phi in (
        samples.NHS_NUMBER,
        "Testy",
        "Example",
        "1970",
        "LU1 1AA",
        "Test Street",
        "MRN0001",
    ):
        assert phi not in text


def test_full_local_queue_is_drained_by_polling(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """With room for only 5 queued messages, 60 events still all go: publish waits and polls."""
    topic = topic_factory("sdk")
    config = config_for(stack, queue_max_messages=5, linger_ms=0)
    with Publisher(config, topic=topic) as publisher:
        for index in range(60):
            publisher.publish(numbered(RecordType.CONSENT, index))
        stats = publisher.flush(30)
    assert (stats.sent, stats.delivered) == (60, 60)
    assert message_count(stack.kafka_admin, topic) == 60


def test_unreachable_broker_times_out_and_reports_failures() -> None:
    """No broker: the queue fills (QueueFullError), flush times out, then deliveries fail."""
    config = PublisherConfig(
        kafka=KafkaClientSettings(bootstrap="127.0.0.1:1", security_protocol="PLAINTEXT"),
        queue_max_messages=1,
        queue_full_wait_s=0.2,
        delivery_timeout_ms=1500,
    )
    publisher = Publisher(config, topic="nowhere")
    publisher.publish(samples.event(RecordType.CONSENT))
    with pytest.raises(QueueFullError, match=r"local queue full for 0\.2 s"):
        publisher.publish(samples.event(RecordType.CONSENT))
    with pytest.raises(FlushTimeoutError, match=r"1 events still in flight after 0\.1 s"):
        publisher.flush(0.1)
    stats = publisher.close(10)
    assert (stats.sent, stats.delivered, stats.failed) == (1, 0, 1)
    assert dict(stats.failures) == {"_MSG_TIMED_OUT": 1}


def test_settings_the_kafka_client_refuses_raise_config_error() -> None:
    """A linger beyond librdkafka's limit fails at construction with ConfigError."""
    plain = KafkaClientSettings(security_protocol="PLAINTEXT")
    with pytest.raises(ConfigError, match="Kafka client refused the settings: _INVALID_ARG"):
        Publisher(PublisherConfig(kafka=plain, linger_ms=10**9))


def test_missing_credentials_raise_config_error_naming_the_setting() -> None:
    """A secured publisher without a password file fails at construction, naming the variable."""
    kafka = KafkaClientSettings(username="org-RC9")
    with pytest.raises(ConfigError, match="MCR_KAFKA_PASSWORD_FILE: not set"):
        Publisher(PublisherConfig(kafka=kafka))
