"""Offset arithmetic for replay and rebuild. Pure.

A partition is ``(topic, partition)``. Kafka reports "no committed offset" as a negative
sentinel and "no message at or after this timestamp" as -1; both are normalised here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "OffsetChange",
    "Partition",
    "parse_timestamp",
    "plan_offsets",
    "remaining",
    "replay_progress",
    "resolve_targets",
]

Partition = tuple[str, int]


@dataclass(frozen=True)
class OffsetChange:
    """One partition's committed offset now (None: nothing committed) and after the replay."""

    topic: str
    partition: int
    current: int | None
    target: int

    @property
    def replayed(self) -> int | None:
        """Messages the group will read again (negative: skipped), None when unknown."""
        return None if self.current is None else self.current - self.target


def resolve_targets(
    found: Mapping[Partition, int], ends: Mapping[Partition, int]
) -> dict[Partition, int]:
    """Target offsets: the offset found for a timestamp, or the end when none was found (-1)."""
    return {tp: (offset if offset >= 0 else ends[tp]) for tp, offset in found.items()}


def plan_offsets(
    current: Mapping[Partition, int | None], targets: Mapping[Partition, int]
) -> list[OffsetChange]:
    """The change for every targeted partition, sorted by topic and partition."""
    changes = []
    for (topic, partition), target in sorted(targets.items()):
        now = current.get((topic, partition))
        changes.append(
            OffsetChange(topic, partition, now if now is not None and now >= 0 else None, target)
        )
    return changes


def remaining(positions: Mapping[Partition, int], ends: Mapping[Partition, int]) -> int:
    """Messages between each position and its end offset (never negative)."""
    return sum(max(0, end - positions.get(tp, 0)) for tp, end in ends.items())


def replay_progress(
    targets: Mapping[Partition, int],
    ends: Mapping[Partition, int],
    committed: Mapping[Partition, int | None],
) -> tuple[int, int]:
    """How much of a replay is re-consumed: ``(done, total)`` messages between each target
    and the end seen at reset, ``done`` counted from the group's committed offsets (nothing
    committed, or a commit before the target: 0; past the end seen at reset: capped)."""
    total = done = 0
    for tp, target in targets.items():
        size = max(ends.get(tp, target) - target, 0)
        now = committed.get(tp)
        total += size
        done += 0 if now is None or now < 0 else min(max(now - target, 0), size)
    return done, total


def parse_timestamp(text: str) -> int:
    """Milliseconds since the epoch from epoch millis or ISO 8601 (naive means UTC).

    Raises ValueError naming the expected forms.
    """
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("timestamp: expected ISO 8601 (2024-03-01T09:00:00Z) or epoch ms") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
