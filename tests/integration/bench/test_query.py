"""``mcr bench query`` against the real stack: a tiny run gives a complete, sane last line
(every request answered 200 by the real service, signed in as the demo GP)."""

from __future__ import annotations

import json

import pytest

from deploy.local import StackSettings
from tests.integration.bench.command import run_bench

# A load run: `make bench` runs it before the benchmarks; `make test` leaves it out.
pytestmark = pytest.mark.bench

TINY = ["--events", "20000", "--seconds", "3", "--rate", "20", "--ingest-rate", "50", "--json"]


def test_a_tiny_query_run_answers_every_request(stack: StackSettings) -> None:
    """Sixty record fetches at 20/s while ingest runs: all 200, percentiles ordered (20,000
    events: enough people for the GP's practice to hold a few)."""
    done = run_bench("query", *TINY, timeout_s=300)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["requests"], result["ok"], result["statuses"]) == (60, 60, {"200": 60})
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["persons"] > 0 and result["ingested_meanwhile"] > 0
