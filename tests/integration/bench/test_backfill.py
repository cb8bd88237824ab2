"""``mcr bench backfill`` against the real stack at a tiny size: every event accounted for,
every document checked, the region's size not claimed, and nothing left behind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from deploy.local import StackSettings
from tests.integration.bench.command import run_bench
from tests.integration.bench.test_e2e import _leftovers

# A load run: `make bench` runs it before the benchmarks; `make test` leaves it out.
pytestmark = pytest.mark.bench

PEOPLE = 30


@pytest.fixture(scope="module")
def backfill_run(stack: StackSettings) -> dict[str, Any]:
    """One ``mcr bench backfill --people 30`` run as a real command; its last line, parsed."""
    done = run_bench("backfill", "--people", str(PEOPLE), timeout_s=600)
    assert "NOT the full region" in done.stdout
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_every_event_is_accounted_for_and_every_document_checked(
    backfill_run: dict[str, Any],
) -> None:
    accounting = backfill_run["accounting"]
    assert backfill_run["people"] == PEOPLE
    assert sum(accounting["events_by_outcome"].values()) == backfill_run["events"] > PEOPLE
    assert accounting["accounted"] is True and accounting["unaccounted_by_reason"] == {}
    assert accounting["documents_sampled_one_in"] == 1  # small: every document is looked up
    assert accounting["sampled_expected_documents"] > 0
    assert (accounting["missing_documents"], accounting["leaked_documents"]) == (0, 0)
    assert backfill_run["publish"]["delivered"] == backfill_run["events"]


def test_the_split_and_the_estimate_are_reported_honestly(backfill_run: dict[str, Any]) -> None:
    pipeline = backfill_run["pipeline"]
    assert set(pipeline["stages"]) == {"identity", "consent", "projection"}
    assert pipeline["stages"]["identity"]["events"] == backfill_run["events"]
    assert sum(pipeline["bottleneck_s"].values()) > 0
    assert set(pipeline["starvation"]["longest_stall_s"]) == {"identity", "consent", "projection"}
    assert backfill_run["pipeline_events_per_s"] > 0
    assert backfill_run["full_region"] is False
    estimate = backfill_run["full_region_estimate"]
    assert "not run" in estimate["note"] and estimate["pipeline_s"] > 0
    assert set(backfill_run["cpu"]["seconds"]) >= {"identity", "projection", "kafka"}


def test_nothing_is_left_behind(stack: StackSettings, backfill_run: dict[str, Any]) -> None:
    assert _leftovers(stack, backfill_run["config"]["run_tag"]) == []
