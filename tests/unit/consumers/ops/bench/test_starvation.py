"""No stage starves: the longest span each stage had a backlog and committed nothing."""

from __future__ import annotations

import pytest

from consumers.ops.bench.rates import Point
from consumers.ops.bench.starvation import longest_stall, starvation


def _samples(counts: list[int], backlogs: list[int], step: float = 0.25) -> list[Point]:
    return [Point(i * step, c, b) for i, (c, b) in enumerate(zip(counts, backlogs, strict=True))]


def test_a_stage_committing_once_a_second_never_stalls_for_long() -> None:
    """Steps of one commit a second show stalls of 0.75 s (the samples in between)."""
    counts = [0, 0, 0, 0, 100, 100, 100, 100, 200, 200, 200, 200, 300]
    stall = longest_stall(_samples(counts, [500 - c for c in counts]))
    assert stall.seconds == pytest.approx(0.75)


def test_the_longest_stall_is_found_with_where_it_began() -> None:
    """A backlog that does not move from 1.0 s to 7.0 s is a 6 s stall starting at 1.0 s."""
    points = [Point(0.0, 0, 10), Point(1.0, 5, 50), Point(4.0, 5, 80), Point(7.0, 5, 90),
              Point(8.0, 40, 60), Point(9.0, 40, 70), Point(10.0, 90, 20)]  # fmt: skip
    stall = longest_stall(points)
    assert (stall.start_s, stall.seconds) == (1.0, 6.0)


def test_waiting_without_a_backlog_is_not_a_stall() -> None:
    """A stage with nothing to do (no backlog) is idle, not starved, however long."""
    points = [Point(0.0, 10, 0), Point(20.0, 10, 0), Point(21.0, 20, 5), Point(22.0, 25, 0)]
    assert longest_stall(points).seconds == 0.0


def test_a_stall_ends_when_the_backlog_is_gone() -> None:
    """Idle time after the backlog emptied is not added to an earlier stall."""
    points = [Point(0.0, 0, 5), Point(2.0, 0, 5), Point(3.0, 5, 0), Point(30.0, 5, 0)]
    assert longest_stall(points).seconds == 2.0


def test_a_stall_still_open_at_the_last_sample_counts() -> None:
    """A stage that never moved again before the samples ended stalled until then."""
    points = [Point(0.0, 0, 5), Point(1.0, 3, 5), Point(9.0, 3, 9)]
    assert longest_stall(points).seconds == 8.0


def test_no_samples_no_stall() -> None:
    assert longest_stall([]).seconds == 0.0


def test_every_stage_is_judged_and_one_starving_stage_fails_the_run() -> None:
    """Consent waiting 6 s with a backlog fails the check; produce is not a checked stage."""
    moving = _samples([0, 10, 20, 30], [5, 5, 5, 0])
    stuck = [Point(0.0, 0, 5), Point(6.0, 0, 5), Point(6.25, 5, 0)]
    result = starvation({"produce": stuck, "identity": moving, "consent": stuck,
                         "projection": moving})  # fmt: skip
    assert result.no_stage_starves is False
    assert set(result.stalls) == {"identity", "consent", "projection"}
    assert result.to_json()["longest_stall_s"] == {"identity": 0.0, "consent": 6.0,
                                                   "projection": 0.0}  # fmt: skip


def test_stalls_under_the_window_pass() -> None:
    """4.9 s without progress is within a 5 s window."""
    points = [Point(0.0, 0, 5), Point(4.9, 0, 5), Point(5.0, 5, 0)]
    result = starvation({"identity": points, "consent": points, "projection": points})
    assert result.no_stage_starves is True
    assert result.to_json()["window_s"] == 5.0
