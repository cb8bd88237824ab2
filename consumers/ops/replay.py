"""Move a consumer group's committed offsets to a time or to the beginning. Thin I/O.

Kafka only lets offsets move while the group has no active members, and so do we: the
command refuses (ReplayRefusedError) rather than racing running consumers. ``dry_run``
reports the same plan without changing anything, even for an active group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # OffsetSpec: not in __all__
    AdminClient,
    OffsetSpec,
)

from consumers.ops.errors import OpsError, ReplayRefusedError
from consumers.ops.offsets import OffsetChange, Partition, plan_offsets, resolve_targets
from mcr.logging import get_logger

__all__ = ["active_members", "replay_group"]

TIMEOUT_S = 30.0
log = get_logger(__name__)


def active_members(admin: AdminClient, group: str) -> int:
    """How many consumers are currently members of ``group``."""
    description = admin.describe_consumer_groups([group])[group].result(timeout=TIMEOUT_S)
    return len(description.members)


def _committed(
    admin: AdminClient, group: str, partitions: Sequence[Partition] | None
) -> dict[Partition, int | None]:
    request = ConsumerGroupTopicPartitions(
        group, None if partitions is None else [TopicPartition(t, p) for t, p in partitions]
    )
    result = admin.list_consumer_group_offsets([request])[group].result(timeout=TIMEOUT_S)
    return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions or []}


def _partitions(admin: AdminClient, topics: Iterable[str]) -> list[Partition]:
    found: list[Partition] = []
    for topic in topics:
        metadata = admin.list_topics(topic=topic, timeout=TIMEOUT_S).topics[topic]
        if metadata.error is not None:
            raise OpsError(f"topic {topic}: not found")
        found.extend((topic, p) for p in sorted(metadata.partitions))
    return found


def _offsets(
    admin: AdminClient, partitions: Sequence[Partition], spec: OffsetSpec
) -> dict[Partition, int]:
    futures = admin.list_offsets({TopicPartition(t, p): spec for t, p in partitions})
    return {
        (tp.topic, tp.partition): f.result(timeout=TIMEOUT_S).offset for tp, f in futures.items()
    }


def _targets(
    admin: AdminClient, partitions: Sequence[Partition], to_timestamp_ms: int | None
) -> dict[Partition, int]:
    if to_timestamp_ms is None:
        return _offsets(admin, partitions, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
    found = _offsets(admin, partitions, OffsetSpec.for_timestamp(to_timestamp_ms))
    ends = _offsets(admin, partitions, OffsetSpec.latest())  # type: ignore[no-untyped-call]
    return resolve_targets(found, ends)


def replay_group(
    admin: AdminClient,
    *,
    group: str,
    topics: Sequence[str] = (),
    to_timestamp_ms: int | None = None,
    dry_run: bool = False,
) -> list[OffsetChange]:
    """Plan (and unless ``dry_run``, apply) moving ``group`` to a time, or to the earliest
    offsets when ``to_timestamp_ms`` is None. ``topics`` default to those the group committed.

    Raises ReplayRefusedError when the group has active members and this is not a dry run.
    """
    members = active_members(admin, group)
    if members and not dry_run:
        raise ReplayRefusedError(f"group {group} has {members} active members: stop them first")
    current = _committed(admin, group, None)
    partitions = _partitions(admin, topics) if topics else sorted(current)
    if not partitions:
        raise OpsError(f"group {group}: no committed offsets; name the topics with --topic")
    changes = plan_offsets(current, _targets(admin, partitions, to_timestamp_ms))
    if not dry_run:
        offsets = [TopicPartition(c.topic, c.partition, c.target) for c in changes]
        request = ConsumerGroupTopicPartitions(group, offsets)
        admin.alter_consumer_group_offsets([request])[group].result(timeout=TIMEOUT_S)
        log.info("offsets moved", group=group, count=len(changes))
    return changes
