"""Which stage held the work, over time: from the offset samples. Pure.

With the whole input published before the workers start (the backfill), work queues in front
of the slowest stage. Each sampling interval is charged to the stage with the largest backlog
at its start (ties: the upstream stage, which the others wait for), or to ``idle`` when no
stage had one. The backlog curve gives each stage's backlog at evenly spaced marks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from consumers.ops.bench.rates import Point

__all__ = ["IDLE", "backlog_curve", "bottleneck_seconds"]

IDLE = "idle"


def bottleneck_seconds(stages: Mapping[str, Sequence[Point]]) -> dict[str, float]:
    """Seconds each stage (in the order of ``stages``, upstream first) had the largest
    backlog; every stage present, plus :data:`IDLE`. The series must share their sample times
    (they come from the same snapshots)."""
    names = list(stages)
    charged = dict.fromkeys([*names, IDLE], 0.0)
    series = [stages[name] for name in names]
    for index, (before, after) in enumerate(pairwise(series[0] if series else [])):
        backlogs = [points[index].backlog for points in series]
        top = max(backlogs)
        owner = IDLE if top <= 0 else names[backlogs.index(top)]
        charged[owner] += after.t - before.t
    return {name: round(seconds, 2) for name, seconds in charged.items()}


def backlog_curve(
    stages: Mapping[str, Sequence[Point]], *, marks: int = 20
) -> dict[str, list[float] | list[int]]:
    """Each stage's backlog at ``marks`` evenly spaced times up to the last sample (the last
    sample at or before each mark)."""
    end = max((points[-1].t for points in stages.values() if points), default=0.0)
    times = [round(end * (i + 1) / marks, 2) for i in range(marks)] if end > 0 else []
    curve: dict[str, list[float] | list[int]] = {"t_s": times}
    for name, points in stages.items():
        curve[name] = [_backlog_at(points, t) for t in times]
    return curve


def _backlog_at(points: Sequence[Point], t: float) -> int:
    before = [p for p in points if p.t <= t]
    return before[-1].backlog if before else 0
