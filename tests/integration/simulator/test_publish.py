"""The simulator publishing to the real local Kafka through the producer SDK."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from confluent_kafka import Message
from typer.testing import CliRunner

from deploy.local import StackSettings
from producers.simulator import (
    TokenBucket,
    generate_person,
    iter_region,
    open_publisher,
    publish_region,
)
from producers.simulator.cli import app
from schemas.events import RECORD_TYPE_HEADER, RecordType
from tests.integration.kafka_reading import read_topic
from tests.unit.producers.simulator.avro_support import decode

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
_HEADER_BYTES = 10  # magic (2) + CRC-64-AVRO fingerprint (8)


@pytest.fixture
def kafka_env(stack: StackSettings, monkeypatch: pytest.MonkeyPatch) -> StackSettings:
    """The SDK reads its bootstrap address from the environment: point it at the stack."""
    for name, value in stack.kafka_admin.environment().items():
        monkeypatch.setenv(name, value)
    return stack


def _record_type(message: Message) -> RecordType:
    headers = dict(message.headers() or [])
    return RecordType(_text(headers[RECORD_TYPE_HEADER]))


def _text(raw: str | bytes | None) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw or ""


def test_region_reaches_kafka_keyed_and_in_order(
    kafka_env: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """Every event arrives once, keyed <org>:<local id>, decodable, in order per key."""
    topic = topic_factory("sim", partitions=3)
    people = list(iter_region(25, 5))
    expected = [event for person in people for event in person.events]
    with open_publisher(topic) as sink:
        assert publish_region(people, sink) == len(expected)
    messages = read_topic(kafka_env.kafka_admin, topic, count=len(expected), timeout_s=60)
    assert len(messages) == len(expected)
    by_id = {event.payload["header"]["event_id"]: event for event in expected}
    arrived: dict[str, list[str]] = defaultdict(list)
    for message in messages:
        value = message.value() or b""
        assert value[:2] == SINGLE_OBJECT_MAGIC
        payload = decode(_record_type(message), value[_HEADER_BYTES:])
        event = by_id[payload["header"]["event_id"]]
        assert payload == event.payload and _text(message.key()) == event.key
        arrived[event.key].append(payload["header"]["event_id"])
    for key, ids in arrived.items():
        assert ids == [e.payload["header"]["event_id"] for e in expected if e.key == key]


def test_rate_limited_publishing_holds_the_rate(
    kafka_env: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """At 500 events/s, publishing n events takes at least (n - burst) / 500 seconds."""
    topic = topic_factory("simrate")
    people = list(iter_region(20, 8))
    total = sum(len(person.events) for person in people)
    bucket = TokenBucket(500, burst=10)
    started = time.monotonic()
    with open_publisher(topic) as sink:
        publish_region(people, sink, limiter=bucket)
    elapsed = time.monotonic() - started
    assert elapsed >= (total - 10) / 500
    assert len(read_topic(kafka_env.kafka_admin, topic, count=total, timeout_s=60)) == total


def test_cli_publishes_and_writes_truth(
    kafka_env: StackSettings, topic_factory: Callable[..., str], tmp_path: Path
) -> None:
    """``simulate`` without --dry-run publishes every event and writes the truth file."""
    topic = topic_factory("simcli")
    truth = tmp_path / "truth.csv"
    result = CliRunner().invoke(
        app, ["--people", "8", "--seed", "4", "--topic", topic, "--truth", str(truth)]
    )
    assert result.exit_code == 0, result.output
    total = sum(len(generate_person(4, i).events) for i in range(8))
    assert f"events: {total}" in result.output
    assert len(read_topic(kafka_env.kafka_admin, topic, count=total, timeout_s=60)) == total
    assert len(truth.read_text().splitlines()) == 1 + sum(
        len(generate_person(4, i).records) for i in range(8)
    )
