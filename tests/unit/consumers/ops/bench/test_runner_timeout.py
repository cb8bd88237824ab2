"""How long an e2e run may take to catch up: 15 minutes, longer for large runs, or as set."""

from __future__ import annotations

from consumers.ops.bench.runner import E2eOptions, catch_up_timeout


def test_small_runs_get_fifteen_minutes_and_large_ones_fifty_events_per_second() -> None:
    assert catch_up_timeout(E2eOptions(events=20_000)) == 900.0
    assert catch_up_timeout(E2eOptions(events=300_000)) == 6_000.0


def test_a_set_timeout_wins() -> None:
    assert catch_up_timeout(E2eOptions(events=300_000, catch_up_timeout_s=60)) == 60
