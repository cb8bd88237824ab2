"""Stage progress over time: completion, busy rate, peak rate and the profile."""

from __future__ import annotations

import pytest

from consumers.ops.bench.rates import (
    Point,
    busy_rate,
    done_at,
    peak_rate,
    profile_stage,
    timeline,
)

# A stage that commits in one-second steps: 0, 1000, 2500, 4000, 4000 events.
STEPS = [Point(0.0, 0, 4000), Point(1.0, 1000, 3000), Point(2.0, 2500, 1500),
         Point(3.0, 4000, 0), Point(4.0, 4000, 0)]  # fmt: skip


def test_done_at_is_the_first_sample_at_the_final_count() -> None:
    """The stage is done when it first reaches its final count, not at the last sample."""
    assert done_at(STEPS) == 3.0


@pytest.mark.parametrize("points", [[], [Point(0.0, 0), Point(1.0, 0)]])
def test_done_at_is_none_without_progress(points: list[Point]) -> None:
    """No samples, or no event ever committed, gives no completion time."""
    assert done_at(points) is None


def test_busy_rate_only_counts_intervals_that_started_with_a_backlog() -> None:
    """The idle last second (no backlog) does not dilute the stage's own rate."""
    assert busy_rate(STEPS) == pytest.approx(4000 / 3)


def test_busy_rate_is_none_for_a_stage_that_never_waited() -> None:
    """A stage that never had a backlog has no busy rate (it was never the limit)."""
    assert busy_rate([Point(0.0, 0), Point(1.0, 500)]) is None


@pytest.mark.parametrize(
    ("window_s", "expected"),
    [(1.0, 1500.0), (2.0, 1500.0), (3.0, 4000 / 3), (5.0, 0.0)],
)
def test_peak_rate_is_the_best_span_of_at_least_the_window(
    window_s: float, expected: float
) -> None:
    """The peak is taken over spans no shorter than the window (0 when the run is shorter)."""
    assert peak_rate(STEPS, window_s=window_s) == pytest.approx(expected)


def test_profile_combines_the_measures() -> None:
    """The profile reports events, completion, rates and the largest backlog, rounded."""
    assert profile_stage(STEPS, window_s=2.0).to_json() == {
        "events": 4000,
        "done_s": 3.0,
        "events_per_s": 1333.3,
        "busy_events_per_s": 1333.3,
        "peak_events_per_s": 1500.0,
        "max_backlog": 4000,
    }


def test_timeline_gives_each_stage_its_count_at_every_mark() -> None:
    """Counts are read at whole seconds, up to the first mark after the last sample."""
    stages = {
        "identity": [Point(0.1, 0), Point(0.9, 300), Point(1.6, 900), Point(2.2, 1000)],
        "projection": [Point(0.1, 0), Point(1.1, 250), Point(2.2, 1000)],
    }

    assert timeline(stages) == {
        "t_s": [1.0, 2.0, 3.0],
        "identity": [300, 900, 1000],
        "projection": [0, 250, 1000],
    }
