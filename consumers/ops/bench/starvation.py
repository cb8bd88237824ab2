"""Does any stage starve? From the 0.25 s offset samples: the longest time each stage had a
backlog and committed nothing. Pure.

A stage *starves* when messages wait at its input and it makes no progress, as when identity
and consent shared one event loop and consent committed nothing for about a minute. For each
stage this finds the longest span between two samples in which the stage had a backlog the
whole time and its committed count did not move; the stage passes when no such span reaches
``window_s`` (the issue's target: progress in every 5-second window while it has a backlog).

Committed offsets move in steps (each worker commits about once a second), so a stage that
keeps working shows a stall of about one commit interval at most; ``window_s`` is well above it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from consumers.ops.bench.rates import Point

__all__ = ["WINDOW_S", "Stall", "Starvation", "longest_stall", "starvation"]

WINDOW_S = 5.0
STARVING_STAGES = ("identity", "consent", "projection")
"""The stages checked (``produce`` has no input backlog)."""


@dataclass(frozen=True)
class Stall:
    """The longest span a stage had a backlog and committed nothing: from ``start_s`` for
    ``seconds`` (both seconds since the first produce)."""

    start_s: float
    seconds: float


def longest_stall(points: Sequence[Point]) -> Stall:
    """The longest stall in ``points`` (time order): a run of samples, each with a backlog,
    over which the committed count stayed the same (a backlog cannot empty without a commit).
    It is measured up to the last sample without progress: what the sampling saw for sure,
    at most one sampling interval (0.25 s) short of the truth."""
    best = Stall(0.0, 0.0)
    start: Point | None = None
    for point in points:
        if start is not None and point.count > start.count:
            start = None  # progress: the stall (if any) ended before this sample
        if start is None:
            start = point if point.backlog > 0 else None
            continue
        if point.t - start.t > best.seconds:
            best = Stall(start.t, point.t - start.t)
    return best


@dataclass(frozen=True)
class Starvation:
    """Every checked stage's longest stall, and whether all stayed under the window."""

    window_s: float
    stalls: Mapping[str, Stall]

    @property
    def no_stage_starves(self) -> bool:
        """True when every stage made progress within every ``window_s`` while it had a
        backlog."""
        return all(stall.seconds < self.window_s for stall in self.stalls.values())

    def to_json(self) -> dict[str, Any]:
        """The measure as a JSON-able dict."""
        return {
            "window_s": self.window_s,
            "no_stage_starves": self.no_stage_starves,
            "longest_stall_s": {name: round(s.seconds, 2) for name, s in self.stalls.items()},
            "longest_stall_from_s": {name: round(s.start_s, 2) for name, s in self.stalls.items()},
        }


def starvation(stages: Mapping[str, Sequence[Point]], *, window_s: float = WINDOW_S) -> Starvation:
    """The :class:`Starvation` of the stages of ``stages`` (as :func:`lag.stage_points` gives
    them) that are checked: identity, consent and the projection."""
    return Starvation(
        window_s=window_s,
        stalls={name: longest_stall(stages[name]) for name in STARVING_STAGES if name in stages},
    )
