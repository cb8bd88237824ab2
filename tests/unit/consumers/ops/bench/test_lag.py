"""Offset arithmetic: committed totals, lags, and when the whole pipeline has caught up."""

from __future__ import annotations

import pytest

from consumers.ops.bench.lag import (
    PipelineSnapshot,
    StageOffsets,
    committed_total,
    stage_lag,
    stage_points,
)
from consumers.ops.bench.rates import Point

ENDS = {("s", 0): 10, ("s", 1): 5}


@pytest.mark.parametrize(
    ("committed", "expected_total", "expected_lag"),
    [
        ({("s", 0): 10, ("s", 1): 5}, 15, 0),
        ({("s", 0): 4, ("s", 1): 5}, 9, 6),
        ({("s", 0): -1001, ("s", 1): 2}, 2, 13),
        ({("s", 0): None}, 0, 15),
        ({}, 0, 15),
        ({("s", 0): 12, ("s", 1): 5}, 15, 0),
        ({("s", 0): 10, ("s", 1): 5, ("other", 0): 99}, 15, 0),
    ],
)
def test_committed_total_and_lag(
    committed: dict[tuple[str, int], int | None], expected_total: int, expected_lag: int
) -> None:
    """Nothing committed counts from 0, commits never exceed the end, other topics are ignored."""
    assert committed_total(committed, ENDS) == expected_total
    assert stage_lag(committed, ENDS) == expected_lag


def test_stage_offsets_reject_more_committed_than_written() -> None:
    """A stage cannot have committed more than was written to it."""
    with pytest.raises(ValueError, match="committed: expected"):
        StageOffsets(written=3, committed=4)


def _snapshot(t: float, source: tuple[int, int], linked: tuple[int, int]) -> PipelineSnapshot:
    return PipelineSnapshot(
        t=t,
        identity=StageOffsets(*source),
        projection=StageOffsets(*linked),
        changes=StageOffsets(2, 2),
    )


@pytest.mark.parametrize(
    ("source", "linked", "produced", "expected"),
    [
        ((100, 100), (90, 90), 100, True),
        ((100, 99), (90, 90), 100, False),
        ((100, 100), (90, 89), 100, False),
        ((80, 80), (80, 80), 100, False),
    ],
)
def test_caught_up_needs_every_event_produced_and_every_stage_committed(
    source: tuple[int, int], linked: tuple[int, int], produced: int, expected: bool
) -> None:
    """Caught up: all produced events in the source topics and no stage with a lag."""
    assert _snapshot(1.0, source, linked).caught_up(produced) is expected


def test_stage_points_turn_snapshots_into_per_stage_series() -> None:
    """Produce counts what was written, the stages what they committed, with their lag."""
    points = stage_points([_snapshot(0.5, (40, 10), (8, 3)), _snapshot(1.0, (100, 60), (50, 45))])

    assert points == {
        "produce": [Point(0.5, 40), Point(1.0, 100)],
        "identity": [Point(0.5, 10, 30), Point(1.0, 60, 40)],
        "projection": [Point(0.5, 3, 5), Point(1.0, 45, 5)],
    }
