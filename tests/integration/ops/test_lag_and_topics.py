"""Pipeline topics are created idempotently, and consumer lag is measured from the broker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from consumers.ops.lag import group_lag
from deploy.local import StackSettings
from deploy.local.topics import PIPELINE_TOPICS, ensure_topics


def _partition_count(admin: AdminClient, topic: str, timeout_s: float = 10) -> int:
    """Partitions of ``topic`` once the broker's metadata shows it (creation propagates)."""
    deadline = time.monotonic() + timeout_s
    while True:
        metadata = admin.list_topics(topic=topic, timeout=10).topics[topic]
        if metadata.error is None or time.monotonic() > deadline:
            return len(metadata.partitions)
        time.sleep(0.1)


def test_ensure_topics_creates_each_pipeline_topic_once(stack: StackSettings) -> None:
    """A first call creates every pipeline topic under the prefix; a second creates none."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    admin = AdminClient(stack.kafka_admin.config())
    try:
        first = ensure_topics(stack.kafka_admin, prefix=prefix, partitions=2)
        second = ensure_topics(stack.kafka_admin, prefix=prefix, partitions=2)
        assert first == sorted(prefix + name for name in PIPELINE_TOPICS)
        assert second == []
        assert {_partition_count(admin, name) for name in first} == {2}
    finally:
        for future in admin.delete_topics([prefix + n for n in PIPELINE_TOPICS]).values():
            future.result(timeout=30)


def test_group_lag_counts_what_the_group_has_not_committed(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """A group that never committed lags by everything; after committing 3 of 5 it lags by 2."""
    topic = topic_factory("lag", partitions=1)
    producer = Producer(stack.kafka_admin.config())
    for i in range(5):
        producer.produce(topic, value=str(i).encode())
    producer.flush(30)
    admin = AdminClient(stack.kafka_admin.config())
    group = f"test-lag-{uuid.uuid4().hex[:8]}"

    before = group_lag(admin, group=group, topics=[topic])
    consumer = Consumer(stack.kafka_admin.config(**{"group.id": group}))
    consumer.commit(offsets=[TopicPartition(topic, 0, 3)], asynchronous=False)
    consumer.close()
    after = group_lag(admin, group=group, topics=[topic])

    assert (before, after) == (5, 2)
