"""Which stage held the most work over time, and the backlog curve."""

from __future__ import annotations

from consumers.ops.bench.bottleneck import IDLE, backlog_curve, bottleneck_seconds
from consumers.ops.bench.rates import Point


def _series(backlogs: list[int]) -> list[Point]:
    return [Point(float(i), 0, b) for i, b in enumerate(backlogs)]


def test_each_interval_is_charged_to_the_largest_backlog_at_its_start() -> None:
    stages = {
        "identity": _series([100, 50, 0, 0, 0]),
        "consent": _series([0, 60, 10, 0, 0]),
        "projection": _series([0, 0, 10, 5, 0]),
    }
    assert bottleneck_seconds(stages) == {
        "identity": 1.0, "consent": 2.0, "projection": 1.0, IDLE: 0.0,
    }  # fmt: skip


def test_nothing_waiting_is_idle_and_no_samples_charge_nothing() -> None:
    assert bottleneck_seconds({"identity": _series([0, 0, 0])}) == {"identity": 0.0, IDLE: 2.0}
    assert bottleneck_seconds({}) == {IDLE: 0.0}


def test_the_backlog_curve_samples_evenly_up_to_the_last_sample() -> None:
    curve = backlog_curve({"identity": _series([9, 8, 7, 6, 5])}, marks=4)
    assert curve == {"t_s": [1.0, 2.0, 3.0, 4.0], "identity": [8, 7, 6, 5]}
    assert backlog_curve({"identity": []}) == {"t_s": [], "identity": []}
