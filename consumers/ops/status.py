"""What ``mcr status`` reports and how it judges it: pure logic, no I/O.

A stage is judged from two samples of its consumer group taken ``interval`` seconds apart:

- **down**: the group has no active member, so nothing will be processed;
- **caught-up**: nothing is waiting;
- **working**: something is waiting and the committed offsets moved between the samples;
- **stuck**: something is waiting and nothing was committed in the interval.

The interval must be longer than the stages' commit intervals (faust commits every few seconds,
the record projection every second), or a working stage can look stuck.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from consumers.ops.offsets import Partition

__all__ = [
    "GroupSample",
    "PipelineStatus",
    "StageReport",
    "StageState",
    "StoreHealth",
    "judge_stage",
    "sample_group",
]


class StageState(StrEnum):
    DOWN = "down"
    CAUGHT_UP = "caught-up"
    WORKING = "working"
    STUCK = "stuck"


@dataclass(frozen=True)
class GroupSample:
    """One look at a stage: messages waiting, the sum of its committed offsets, its members."""

    lag: int
    committed: int
    members: int


def sample_group(
    partitions: Sequence[Partition],
    committed: Mapping[Partition, int | None],
    starts: Mapping[Partition, int],
    ends: Mapping[Partition, int],
    members: int,
) -> GroupSample:
    """The stage's sample over ``partitions``: a partition never committed counts from its
    earliest offset (everything on it is waiting)."""
    lag = position_sum = 0
    for tp in partitions:
        done = committed.get(tp)
        position = done if done is not None and done >= 0 else starts.get(tp, 0)
        lag += max(ends.get(tp, position) - position, 0)
        position_sum += position
    return GroupSample(lag, position_sum, members)


@dataclass(frozen=True)
class StageReport:
    """A stage's state, waiting messages and committed rate over the interval."""

    name: str
    group: str
    state: StageState
    lag: int
    rate_per_s: float
    members: int

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "group": self.group,
            "state": self.state.value,
            "lag": self.lag,
            "rate_per_s": self.rate_per_s,
            "members": self.members,
        }


def judge_stage(
    name: str, group: str, before: GroupSample, after: GroupSample, interval_s: float
) -> StageReport:
    """The stage's report from two samples ``interval_s`` apart (see the module docstring)."""
    moved = after.committed - before.committed
    rate = round(max(moved, 0) / interval_s, 1) if interval_s > 0 else 0.0
    if after.members == 0:
        state = StageState.DOWN
    elif after.lag == 0:
        state = StageState.CAUGHT_UP
    elif moved > 0:
        state = StageState.WORKING
    else:
        state = StageState.STUCK
    return StageReport(name, group, state, after.lag, rate, after.members)


@dataclass(frozen=True)
class StoreHealth:
    """Whether a store answered, and a short detail (never a credential)."""

    name: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class PipelineStatus:
    """Everything ``mcr status`` shows; ``healthy`` decides its exit code."""

    stages: tuple[StageReport, ...]
    stores: tuple[StoreHealth, ...]
    dead_letters: tuple[Mapping[str, object], ...] = ()
    reviews_pending: int | None = None
    held_events: int | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def healthy(self) -> bool:
        """Every store answered, no stage is down or stuck, nothing could not be read."""
        bad = {StageState.DOWN, StageState.STUCK}
        return (
            all(store.ok for store in self.stores)
            and not any(stage.state in bad for stage in self.stages)
            and not self.problems
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "stages": [stage.as_json() for stage in self.stages],
            "stores": [store.as_json() for store in self.stores],
            "dead_letters": [dict(row) for row in self.dead_letters],
            "dead_letters_total": sum(int(str(row["count"])) for row in self.dead_letters),
            "reviews_pending": self.reviews_pending,
            "held_events": self.held_events,
            "problems": list(self.problems),
        }
