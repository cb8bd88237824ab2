"""Move a consumer group's committed offsets to a time or to the beginning. Thin I/O.

Kafka only lets offsets move while the group has no active members, and so do we: the
command refuses (ReplayRefusedError) rather than racing running consumers. ``dry_run``
reports the same plan without changing anything, even for an active group.
"""

from __future__ import annotations

from collections.abc import Sequence

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # OffsetSpec: not in __all__
    AdminClient,
    OffsetSpec,
)

from consumers.ops.errors import OpsError, ReplayRefusedError
from consumers.ops.groups import (
    TIMEOUT_S,
    active_members,
    committed_offsets,
    list_offsets,
    topic_partitions,
)
from consumers.ops.offsets import OffsetChange, Partition, plan_offsets, resolve_targets
from mcr.core.logging import get_logger

__all__ = ["active_members", "replay_group"]

log = get_logger(__name__)


def _targets(
    admin: AdminClient, partitions: Sequence[Partition], to_timestamp_ms: int | None
) -> dict[Partition, int]:
    if to_timestamp_ms is None:
        return list_offsets(admin, partitions, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
    found = list_offsets(admin, partitions, OffsetSpec.for_timestamp(to_timestamp_ms))
    ends = list_offsets(admin, partitions, OffsetSpec.latest())  # type: ignore[no-untyped-call]
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
    current = committed_offsets(admin, group, None)
    partitions = topic_partitions(admin, topics) if topics else sorted(current)
    if not partitions:
        raise OpsError(f"group {group}: no committed offsets; name the topics with --topic")
    changes = plan_offsets(current, _targets(admin, partitions, to_timestamp_ms))
    if not dry_run:
        offsets = [TopicPartition(c.topic, c.partition, c.target) for c in changes]
        request = ConsumerGroupTopicPartitions(group, offsets)
        admin.alter_consumer_group_offsets([request])[group].result(timeout=TIMEOUT_S)
        log.info("offsets moved", group=group, count=len(changes))
    return changes
