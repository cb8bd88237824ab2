"""A stage's progress over time, from periodic offset samples: rates, backlog, completion. Pure.

Each stage is a series of :class:`Point` ``(t, count, backlog)``: seconds since the first
event was produced, messages the stage has committed so far, and messages waiting at its
input. Committed offsets move in steps (each worker commits about once a second), so rates are
taken over windows, never between two adjacent samples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

__all__ = [
    "Point",
    "StageProfile",
    "busy_rate",
    "done_at",
    "peak_rate",
    "profile_stage",
    "timeline",
]


@dataclass(frozen=True)
class Point:
    """One sample of one stage."""

    t: float
    count: int
    backlog: int = 0


def done_at(points: Sequence[Point]) -> float | None:
    """When the stage first reached its final count (None without points or progress)."""
    if not points or points[-1].count == 0:
        return None
    final = points[-1].count
    return next(p.t for p in points if p.count >= final)


def busy_rate(points: Sequence[Point]) -> float | None:
    """Events per second over the intervals that started with a backlog: what the stage
    manages when it is not waiting for input. None when it never had a backlog."""
    done = moved = 0.0
    for before, after in pairwise(points):
        if before.backlog > 0 and after.t > before.t:
            done += after.count - before.count
            moved += after.t - before.t
    return done / moved if moved > 0 else None


def peak_rate(points: Sequence[Point], *, window_s: float = 2.0) -> float:
    """The best rate over any span of at least ``window_s`` seconds (0.0 when too short)."""
    best = 0.0
    start = 0
    for end, point in enumerate(points):
        while start < end and point.t - points[start + 1].t >= window_s:
            start += 1
        span = point.t - points[start].t
        if span >= window_s:
            best = max(best, (point.count - points[start].count) / span)
    return best


@dataclass(frozen=True)
class StageProfile:
    """One stage's share of the throughput phase."""

    events: int
    done_s: float | None
    busy_events_per_s: float | None
    peak_events_per_s: float
    max_backlog: int

    @property
    def events_per_s(self) -> float | None:
        """Events over the time from the first produce until the stage was done."""
        return self.events / self.done_s if self.done_s else None

    def to_json(self) -> dict[str, Any]:
        """The profile as a JSON-able dict."""
        return {
            "events": self.events,
            "done_s": _round(self.done_s, 2),
            "events_per_s": _round(self.events_per_s, 1),
            "busy_events_per_s": _round(self.busy_events_per_s, 1),
            "peak_events_per_s": round(self.peak_events_per_s, 1),
            "max_backlog": self.max_backlog,
        }


def profile_stage(points: Sequence[Point], *, window_s: float = 2.0) -> StageProfile:
    """The :class:`StageProfile` of one stage's samples (in time order)."""
    return StageProfile(
        events=points[-1].count if points else 0,
        done_s=done_at(points),
        busy_events_per_s=busy_rate(points),
        peak_events_per_s=peak_rate(points, window_s=window_s),
        max_backlog=max((p.backlog for p in points), default=0),
    )


def timeline(
    stages: Mapping[str, Sequence[Point]], *, step_s: float = 1.0
) -> dict[str, list[float] | list[int]]:
    """Each stage's count at every ``step_s`` mark (the last sample at or before the mark),
    up to the first mark after the last sample: the phase as a table, one row per mark."""
    end = max((points[-1].t for points in stages.values() if points), default=0.0)
    marks = [round(step_s * i, 3) for i in range(1, int(end // step_s) + 2)]
    table: dict[str, list[float] | list[int]] = {"t_s": marks}
    for name, points in stages.items():
        table[name] = [_count_at(points, mark) for mark in marks]
    return table


def _count_at(points: Sequence[Point], t: float) -> int:
    return max((p.count for p in points if p.t <= t), default=0)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
