"""Consumer groups and offsets on the broker: members, committed offsets, topic ends. Thin I/O.

Shared by replay (move a group), lag (how far behind a group is) and status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # OffsetSpec: not in __all__
    AdminClient,
    OffsetSpec,
)

from consumers.ops.errors import OpsError
from consumers.ops.offsets import Partition

__all__ = ["TIMEOUT_S", "active_members", "committed_offsets", "list_offsets", "topic_partitions"]

TIMEOUT_S = 30.0


def active_members(admin: AdminClient, group: str) -> int:
    """How many consumers are currently members of ``group``."""
    description = admin.describe_consumer_groups([group])[group].result(timeout=TIMEOUT_S)
    return len(description.members)


def committed_offsets(
    admin: AdminClient,
    group: str,
    partitions: Sequence[Partition] | None,
    *,
    timeout_s: float = TIMEOUT_S,
) -> dict[Partition, int | None]:
    """The group's committed offset per partition (all it committed when ``partitions`` is None);
    negative values mean nothing committed."""
    request = ConsumerGroupTopicPartitions(
        group, None if partitions is None else [TopicPartition(t, p) for t, p in partitions]
    )
    futures = admin.list_consumer_group_offsets([request], request_timeout=timeout_s)
    result = futures[group].result(timeout=timeout_s)
    return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions or []}


def topic_partitions(admin: AdminClient, topics: Iterable[str]) -> list[Partition]:
    """Every partition of ``topics``; raises OpsError naming a topic that does not exist."""
    found: list[Partition] = []
    for topic in topics:
        metadata = admin.list_topics(topic=topic, timeout=TIMEOUT_S).topics[topic]
        if metadata.error is not None:
            raise OpsError(f"topic {topic}: not found")
        found.extend((topic, p) for p in sorted(metadata.partitions))
    return found


def list_offsets(
    admin: AdminClient,
    partitions: Sequence[Partition],
    spec: OffsetSpec,
    *,
    timeout_s: float = TIMEOUT_S,
) -> dict[Partition, int]:
    """The offset ``spec`` (earliest, latest, for a timestamp) names on each partition."""
    futures = admin.list_offsets(
        {TopicPartition(t, p): spec for t, p in partitions}, request_timeout=timeout_s
    )
    return {
        (tp.topic, tp.partition): f.result(timeout=timeout_s).offset for tp, f in futures.items()
    }
