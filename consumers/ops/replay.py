"""Move a consumer group's committed offsets to a time or to the beginning. Thin I/O.

Kafka only lets offsets move while the group has no active members, and so do we: the
command refuses (ReplayRefusedError) rather than racing running consumers. ``dry_run``
reports the same plan without changing anything, even for an active group.
"""

from __future__ import annotations

import time
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
from consumers.ops.offsets import (
    OffsetChange,
    Partition,
    plan_offsets,
    replay_progress,
    resolve_targets,
)
from mcr.core.logging import get_logger
from mcr.core.progress_port import Progress

__all__ = ["active_members", "follow_replay", "replay_group"]

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


def follow_replay(
    admin: AdminClient,
    *,
    group: str,
    changes: Sequence[OffsetChange],
    progress: Progress,
    interval_s: float = 1.0,
    timeout_s: float | None = None,
) -> bool:
    """After a replay, follow ``group`` until its committed offsets reach the ends seen now
    (read once, at the start) on every moved partition, reporting to ``progress``; True when
    re-consumed, False when ``timeout_s`` passed first. The group's workers are started by
    the operator: until then nothing moves."""
    targets = {(c.topic, c.partition): c.target for c in changes}
    ends = list_offsets(admin, sorted(targets), OffsetSpec.latest())  # type: ignore[no-untyped-call]
    shown, (_, total) = 0, replay_progress(targets, ends, {})
    progress.phase(f"re-consuming {group}", total)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        done, _ = replay_progress(targets, ends, committed_offsets(admin, group, sorted(targets)))
        progress.advance(max(done - shown, 0))
        shown = max(shown, done)
        if done >= total:
            return True
        if deadline is not None and time.monotonic() > deadline:
            return False
        time.sleep(interval_s)
