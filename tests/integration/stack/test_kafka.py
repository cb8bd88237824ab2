"""The real Kafka broker: produce and consume with confluent-kafka, and through a faust agent."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from confluent_kafka import Producer

from deploy.local import StackSettings
from mcr.core.kafka_client import KafkaClientSettings
from tests.integration.kafka_reading import read_topic

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _consume(
    kafka: KafkaClientSettings, topic: str, *, count: int, timeout_s: float = 60
) -> list[tuple[bytes, bytes]]:
    return [
        (m.key(), m.value()) for m in read_topic(kafka, topic, count=count, timeout_s=timeout_s)
    ]


def test_produce_then_consume_round_trip(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """Messages produced with acks=all come back from the broker in order, with their keys."""
    topic = topic_factory("roundtrip", partitions=1)
    producer = Producer(stack.kafka_admin.config(**{"enable.idempotence": True}))
    for i in range(20):
        producer.produce(topic, key=b"RC9:123", value=f"event-{i}".encode())
    assert producer.flush(30) == 0

    received = _consume(stack.kafka_admin, topic, count=20)

    assert [value for _, value in received] == [f"event-{i}".encode() for i in range(20)]
    assert {key for key, _ in received} == {b"RC9:123"}


def test_faust_agent_forwards_through_the_broker(
    stack: StackSettings, topic_factory: Callable[..., str], tmp_path: Path
) -> None:
    """A faust-streaming worker consumes from one topic and produces to another on the real broker."""
    source, sink = topic_factory("faust-in"), topic_factory("faust-out")
    env = {
        **os.environ,
        "ECHO_SOURCE": source,
        "ECHO_SINK": sink,
        **stack.kafka_admin.environment(),  # the echo app authenticates as the admin
        "ECHO_APP_ID": f"echo-{uuid.uuid4().hex[:8]}",
        "ECHO_DATADIR": str(tmp_path),
    }
    log = (tmp_path / "faust.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.stack.faust_echo", "worker", "-l", "warn"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        producer = Producer(stack.kafka_admin.config())
        for i in range(5):
            producer.produce(source, key=f"k{i}".encode(), value=f"v{i}".encode())
        producer.flush(30)
        received = _consume(stack.kafka_admin, sink, count=5, timeout_s=90)
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()
    assert sorted(value for _, value in received) == [
        b"echoed:v0",
        b"echoed:v1",
        b"echoed:v2",
        b"echoed:v3",
        b"echoed:v4",
    ], (tmp_path / "faust.log").read_text()[-3000:]
