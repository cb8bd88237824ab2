"""Latency percentiles: linear interpolation between closest ranks, and the summary."""

from __future__ import annotations

import pytest

from consumers.ops.bench.percentiles import percentile, summarise_latencies


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([5.0], 50, 5.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),
        ([1.0, 2.0, 3.0, 4.0], 0, 1.0),
        ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
        ([float(v) for v in range(1, 101)], 99, 99.01),
        ([10.0, 20.0], 90, 19.0),
    ],
)
def test_percentile_interpolates_between_closest_ranks(
    values: list[float], q: float, expected: float
) -> None:
    """Each percentile matches numpy's default ('linear') method, whatever the input order."""
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_refuses_empty_values_and_out_of_range_q() -> None:
    """No values, or q outside 0-100, is an error naming the argument."""
    with pytest.raises(ValueError, match="values: at least one"):
        percentile([], 50)
    with pytest.raises(ValueError, match="q: expected a percentile"):
        percentile([1.0], 101)


def test_summary_reports_percentiles_seen_and_missing_by_reason() -> None:
    """The summary counts samples, seen and missing (total and per reason), rounded to 0.1 ms."""
    summary = summarise_latencies(
        [100.0, 200.0, 300.0, 400.0],
        samples=6,
        missing={"held:review": 1, "unknown": 1},
    ).to_json()

    assert summary == {
        "samples": 6,
        "seen": 4,
        "p50_ms": 250.0,
        "p90_ms": 370.0,
        "p99_ms": 397.0,
        "max_ms": 400.0,
        "mean_ms": 250.0,
        "missing": 2,
        "missing_by_reason": {"held:review": 1, "unknown": 1},
    }


def test_summary_without_seen_samples_has_no_percentiles() -> None:
    """When nothing was seen the percentiles are None rather than invented."""
    summary = summarise_latencies([], samples=3, missing={"held:review": 3})

    assert (summary.seen, summary.p50_ms, summary.p99_ms) == (0, None, None)
    assert summary.to_json()["missing"] == 3
