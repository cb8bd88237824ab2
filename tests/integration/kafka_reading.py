"""Read back what a test published: every message of a topic, from the real broker."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer, Message, TopicPartition

from mcr.core.kafka_client import KafkaClientSettings


def read_topic(
    kafka: KafkaClientSettings, topic: str, *, count: int, timeout_s: float = 30
) -> list[Message]:
    """The first ``count`` messages of every partition of ``topic``, in partition order."""
    consumer = Consumer(
        kafka.config(**{"group.id": f"test-{uuid.uuid4().hex}", "enable.auto.commit": False})
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in sorted(partitions)])
        received: list[Message] = []
        deadline = time.monotonic() + timeout_s
        while len(received) < count and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is not None and not message.error():
                received.append(message)
        return received
    finally:
        consumer.close()


def message_count(kafka: KafkaClientSettings, topic: str) -> int:
    """How many messages ``topic`` holds (sum of high watermarks over its partitions)."""
    consumer = Consumer(kafka.config(**{"group.id": f"test-{uuid.uuid4().hex}"}))
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return sum(
            consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in partitions
        )
    finally:
        consumer.close()
