"""Streaming: 20,000 people generate in flat memory; speed is printed, not asserted."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from producers.simulator import PersonRecords, iter_region

PROJECT_ROOT = Path(__file__).resolve().parents[4]
# Runs in a fresh interpreter so the peak RSS belongs to generation alone.
_SCRIPT = """
import json, resource, time
from producers.simulator import iter_region
from producers.simulator.ids import nhs_number_for
nhs_number_for(0, 0)
started, events, warm = time.perf_counter(), 0, 0
for person in iter_region(20_000, 11):
    events += len(person.events)
    if person.person.index == 1_999:
        warm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"warm_kb": warm, "peak_kb": peak, "events": events, "seconds": seconds}))
"""


@pytest.mark.bench  # a soak: `make bench` runs it first, `make test` leaves it out
def test_generating_20000_people_keeps_peak_memory_flat() -> None:
    """Peak RSS after 20,000 people is within 16 MB of the peak after the first 2,000."""
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    run = json.loads(done.stdout)
    print(
        f"\n20,000 people, {run['events']} events in {run['seconds']:.1f}s: "
        f"{20_000 / run['seconds']:.0f} people/s, {run['events'] / run['seconds']:.0f} events/s, "
        f"peak RSS {run['peak_kb'] / 1024:.0f} MB"
    )
    assert run["peak_kb"] - run["warm_kb"] < 16 * 1024


def test_the_iterator_keeps_no_reference_to_people_it_yielded() -> None:
    """Once the caller drops a person, nothing inside the generator keeps it alive."""
    region = iter_region(50, 3)
    first: PersonRecords = next(region)
    watcher = weakref.ref(first)
    del first
    for _ in region:
        pass
    gc.collect()
    assert watcher() is None
