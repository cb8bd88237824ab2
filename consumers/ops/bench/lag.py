"""Offset arithmetic for the benchmark: how far each stage is behind its input. Pure.

A partition is ``(topic, partition)``. Kafka reports "nothing committed" as a negative
sentinel (or no entry at all); such a partition counts from its first offset, which is 0 on
the fresh topics a benchmark run makes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consumers.ops.bench.rates import Point
from consumers.ops.offsets import Partition

__all__ = [
    "PipelineSnapshot",
    "StageOffsets",
    "committed_total",
    "end_total",
    "stage_lag",
    "stage_points",
]


def committed_total(
    committed: Mapping[Partition, int | None], ends: Mapping[Partition, int]
) -> int:
    """Messages the group has committed on the partitions of ``ends`` (never above the end)."""
    return sum(min(_position(committed.get(tp)), end) for tp, end in ends.items())


def end_total(ends: Mapping[Partition, int]) -> int:
    """Messages written to the partitions of ``ends`` (fresh topics start at offset 0)."""
    return sum(max(0, end) for end in ends.values())


def stage_lag(committed: Mapping[Partition, int | None], ends: Mapping[Partition, int]) -> int:
    """Messages on the partitions of ``ends`` the group has not committed yet."""
    return end_total(ends) - committed_total(committed, ends)


def _position(committed: int | None) -> int:
    return committed if committed is not None and committed >= 0 else 0


@dataclass(frozen=True)
class StageOffsets:
    """One stage's input at one moment: messages written to it and messages it committed."""

    written: int
    committed: int

    def __post_init__(self) -> None:
        if not 0 <= self.committed <= self.written:
            raise ValueError("committed: expected 0 <= committed <= written")

    @classmethod
    def of(
        cls, committed: Mapping[Partition, int | None], ends: Mapping[Partition, int]
    ) -> StageOffsets:
        """The totals of ``committed`` against ``ends``."""
        return cls(written=end_total(ends), committed=committed_total(committed, ends))

    @property
    def lag(self) -> int:
        """Messages written but not committed yet."""
        return self.written - self.committed

    @property
    def caught_up(self) -> bool:
        """True when every written message is committed."""
        return self.lag == 0


@dataclass(frozen=True)
class PipelineSnapshot:
    """Every stage's input at ``t`` seconds after the first produce.

    ``identity``: the source topics (written by the producer, committed by identity);
    ``consent``: the linked and identity-change topics (written by identity, committed by the
    consent stage, in the same streams consumer group);
    ``projection``: the shared topic (written by consent, committed by the projection);
    ``changes``: the identity-change topic (committed by the projection).
    """

    t: float
    identity: StageOffsets
    consent: StageOffsets
    projection: StageOffsets
    changes: StageOffsets

    def caught_up(self, produced: int) -> bool:
        """True when all ``produced`` events were committed by identity and everything each
        stage wrote was committed by the next."""
        return (
            self.identity.written >= produced
            and self.identity.caught_up
            and self.consent.caught_up
            and self.projection.caught_up
            and self.changes.caught_up
        )

    @property
    def progress(self) -> int:
        """A number that grows whenever any stage moves (to detect a stalled pipeline)."""
        return (
            self.identity.written
            + self.identity.committed
            + self.consent.written
            + self.consent.committed
            + self.projection.written
            + self.projection.committed
            + self.changes.written
            + self.changes.committed
        )

    def lags(self) -> dict[str, int]:
        """Messages each stage still has to commit."""
        return {
            "identity": self.identity.lag,
            "consent": self.consent.lag,
            "projection": self.projection.lag,
            "changes": self.changes.lag,
        }


def stage_points(snapshots: Sequence[PipelineSnapshot]) -> dict[str, list[Point]]:
    """Per stage, its progress over time: ``produce`` (source messages written), ``identity``
    (source messages committed, backlog = its lag), ``consent`` (linked messages and identity
    changes committed) and ``projection`` (shared messages committed, backlog = its lag)."""
    return {
        "produce": [Point(s.t, s.identity.written) for s in snapshots],
        "identity": [Point(s.t, s.identity.committed, s.identity.lag) for s in snapshots],
        "consent": [Point(s.t, s.consent.committed, s.consent.lag) for s in snapshots],
        "projection": [Point(s.t, s.projection.committed, s.projection.lag) for s in snapshots],
    }
