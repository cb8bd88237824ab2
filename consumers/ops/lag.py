"""How far behind a consumer group is: committed offsets against the ends of its topics."""

from __future__ import annotations

from collections.abc import Sequence

from confluent_kafka.admin import (  # type: ignore[attr-defined]  # OffsetSpec: not in __all__
    AdminClient,
    OffsetSpec,
)

from consumers.ops.groups import committed_offsets, list_offsets, topic_partitions
from consumers.ops.offsets import remaining

__all__ = ["group_lag"]


def group_lag(admin: AdminClient, *, group: str, topics: Sequence[str]) -> int:
    """Messages on ``topics`` the group has not committed yet (a partition it never committed
    counts from its earliest offset, so an idle new group shows everything as lag)."""
    partitions = topic_partitions(admin, topics)
    if not partitions:
        return 0
    ends = list_offsets(admin, partitions, OffsetSpec.latest())  # type: ignore[no-untyped-call]
    starts = list_offsets(admin, partitions, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
    committed = committed_offsets(admin, group, partitions)
    positions = {tp: _position(committed.get(tp), starts[tp]) for tp in partitions}
    return remaining(positions, ends)


def _position(committed: int | None, earliest: int) -> int:
    return committed if committed is not None and committed >= 0 else earliest
