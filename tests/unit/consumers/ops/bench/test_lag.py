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


def _snapshot(
    t: float,
    source: tuple[int, int],
    shared: tuple[int, int],
    consent: tuple[int, int] = (95, 95),
    changes: tuple[int, int] = (2, 2),
) -> PipelineSnapshot:
    return PipelineSnapshot(
        t=t,
        identity=StageOffsets(*source),
        consent=StageOffsets(*consent),
        projection=StageOffsets(*shared),
        changes=StageOffsets(*changes),
    )


@pytest.mark.parametrize(
    ("source", "consent", "shared", "changes", "produced", "expected"),
    [
        ((100, 100), (95, 95), (90, 90), (5, 5), 100, True),
        ((100, 99), (95, 95), (90, 90), (5, 5), 100, False),
        ((100, 100), (95, 94), (90, 90), (5, 5), 100, False),
        ((100, 100), (95, 95), (90, 89), (5, 5), 100, False),
        ((100, 100), (95, 95), (90, 90), (5, 4), 100, False),
        ((80, 80), (80, 80), (80, 80), (0, 0), 100, False),
    ],
)
def test_caught_up_needs_every_event_produced_and_every_stage_committed(
    source: tuple[int, int],
    consent: tuple[int, int],
    shared: tuple[int, int],
    changes: tuple[int, int],
    produced: int,
    expected: bool,
) -> None:
    """Caught up: all produced events in the source topics and no stage with a lag: identity
    (sources), consent (linked and changes), projection (shared) and its changes."""
    snapshot = _snapshot(1.0, source, shared, consent, changes)

    assert snapshot.caught_up(produced) is expected


def test_lags_name_every_stage() -> None:
    """A stalled run says which stage is behind, consent included."""
    snapshot = _snapshot(1.0, (100, 100), (90, 60), consent=(95, 80), changes=(5, 5))

    assert snapshot.lags() == {"identity": 0, "consent": 15, "projection": 30, "changes": 0}


def test_progress_moves_when_only_the_consent_stage_moves() -> None:
    """Consent committing is progress (the stall detector must not fire on it)."""
    before = _snapshot(1.0, (100, 100), (90, 90), consent=(95, 80))
    after = _snapshot(2.0, (100, 100), (90, 90), consent=(95, 81))

    assert after.progress > before.progress


def test_stage_points_turn_snapshots_into_per_stage_series() -> None:
    """Produce counts what was written, the stages what they committed, with their lag."""
    points = stage_points(
        [
            _snapshot(0.5, (40, 10), (8, 3), consent=(12, 9)),
            _snapshot(1.0, (100, 60), (50, 45), consent=(62, 55)),
        ]
    )

    assert points == {
        "produce": [Point(0.5, 40), Point(1.0, 100)],
        "identity": [Point(0.5, 10, 30), Point(1.0, 60, 40)],
        "consent": [Point(0.5, 9, 3), Point(1.0, 55, 7)],
        "projection": [Point(0.5, 3, 5), Point(1.0, 45, 5)],
    }
