"""The producer benchmark: its synthetic events are valid, and a small run reports numbers."""

from __future__ import annotations

import json

from consumers.ops.bench.produce import MIX, run_produce_bench, synthetic_events
from deploy.local import StackSettings
from mcr.core.kafka_acls import BENCH
from producers.sdk import event_problems


def test_synthetic_events_are_valid_deterministic_and_mixed() -> None:
    """Every synthetic event passes validation; the same seed gives the same events."""
    events = synthetic_events(500, seed=3)
    assert [e for e in events if event_problems(e)] == []
    assert synthetic_events(500, seed=3) == events
    assert {e.record_type for e in events} == set(MIX)  # problems, allergies and
    # immunisations are not in the benchmark's mix yet (docs/benchmarks.md)


def test_small_bench_run_delivers_everything_and_is_json(stack: StackSettings) -> None:
    """A 300-event run delivers all 300 and returns positive rates and sizes as JSON."""
    report = run_produce_bench(events=300, kafka=stack.kafka_client(BENCH))
    assert json.loads(json.dumps(report)) == report
    assert (report["events"], sum(report["mix"].values())) == (300, 300)
    assert (report["produce"]["delivered"], report["produce"]["failed"]) == (300, 0)
    assert report["encode"]["events_per_s"] > 0
    assert report["produce"]["events_per_s"] > 0
    assert 50 < report["bytes_per_event"]["overall"] < 1000
    assert set(report["bytes_per_event"]) == {rt.value for rt in MIX} | {"overall"}
