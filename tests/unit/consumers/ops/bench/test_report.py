"""The run's report: where the wall time went, which stage limits, and the JSON object."""

from __future__ import annotations

import pytest

from consumers.ops.bench.percentiles import summarise_latencies
from consumers.ops.bench.rates import StageProfile
from consumers.ops.bench.report import (
    HINTS,
    STAGES,
    BaselineResult,
    E2eReport,
    LatencyResult,
    ThroughputResult,
    assemble_report,
    cpu_budget,
    limiting_stage,
    summary_text,
    time_split,
)
from consumers.ops.bench.starvation import Stall, Starvation


def _stage(events: int, done_s: float | None) -> StageProfile:
    return StageProfile(events, done_s, 1000.0, 1200.0, 500)


def _throughput(
    identity_done: float, projection_done: float, total: float, consent_done: float | None = None
) -> ThroughputResult:
    return ThroughputResult(
        events=10_000,
        produce_s=2.0,
        caught_up_s=projection_done,
        total_s=total,
        linked=9_990,
        held={"review": 6, "awaiting-demographics": 4},
        dead_letters=0,
        expected_documents=9_500,
        searchable_documents=9_500,
        stages={
            "produce": _stage(10_000, 2.0),
            "identity": _stage(10_000, identity_done),
            "consent": _stage(10_020, identity_done if consent_done is None else consent_done),
            "projection": _stage(9_840, projection_done),
        },
        outcomes={"searchable": 9_780, "purged": 55, "kept-back": 155, "held": 10,
                  "dead-letter": 0, "unaccounted": 0},
        shared=9_835,
        kept_back={"consent-event": 120, "objection": 30, "sensitive": 5},
        purges=5,
        leaked_documents=0,
        starvation=Starvation(5.0, {"identity": Stall(1.0, 0.5), "consent": Stall(2.0, 6.0),
                                    "projection": Stall(0.0, 0.0)}),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("identity_done", "consent_done", "projection_done", "total", "split", "limit"),
    [
        (8.0, 8.0, 9.0, 9.5, {"produce": 2.0, "identity": 6.0, "consent": 0.0, "projection": 1.0,
                              "settle_and_refresh": 0.5}, "identity"),
        (3.0, 3.0, 9.0, 9.2, {"produce": 2.0, "identity": 1.0, "consent": 0.0, "projection": 6.0,
                              "settle_and_refresh": 0.2}, "projection"),
        (2.5, 2.5, 3.0, 3.1, {"produce": 2.0, "identity": 0.5, "consent": 0.0, "projection": 0.5,
                              "settle_and_refresh": 0.1}, "produce"),
        (3.0, 8.0, 8.5, 8.6, {"produce": 2.0, "identity": 1.0, "consent": 5.0, "projection": 0.5,
                              "settle_and_refresh": 0.1}, "consent"),
        # consent committed its input before identity committed its own: no consent tail
        (6.0, 5.0, 7.0, 7.1, {"produce": 2.0, "identity": 4.0, "consent": 0.0, "projection": 1.0,
                              "settle_and_refresh": 0.1}, "identity"),
        (2.2, 2.3, 2.4, 5.0, {"produce": 2.0, "identity": 0.2, "consent": 0.1, "projection": 0.1,
                              "settle_and_refresh": 2.6}, "settle_and_refresh"),
    ],
)  # fmt: skip
def test_time_split_and_limiting_stage(
    identity_done: float, consent_done: float, projection_done: float, total: float,
    split: dict[str, float], limit: str,
) -> None:  # fmt: skip
    """Each stage's share is its tail after the stage before it was done; the shares add up to
    the wall time and the largest names the limiting stage."""
    measured = time_split(_throughput(identity_done, projection_done, total, consent_done))

    assert measured == pytest.approx(split)
    assert list(measured) == list(STAGES)
    assert sum(measured.values()) == pytest.approx(total)
    assert limiting_stage(measured) == limit


def test_limiting_stage_prefers_the_earlier_stage_on_a_tie() -> None:
    """Equal shares name the upstream stage (it is what the downstream one waits for)."""
    tie = {"produce": 1.0, "identity": 1.0, "consent": 1.0, "projection": 1.0}
    assert limiting_stage(tie) == "produce"
    assert limiting_stage({**tie, "produce": 0.5}) == "identity"
    assert limiting_stage({**tie, "produce": 0.5, "identity": 0.5}) == "consent"


def test_every_limiting_stage_has_a_hint() -> None:
    """Whatever limits, the report can say what would move it."""
    assert set(HINTS) == set(STAGES)


def test_report_headline_fields_and_honest_counts() -> None:
    """The JSON leads with the headline numbers and says what was held and searchable."""
    latencies = summarise_latencies([100.0, 300.0], samples=3, missing={"held:review": 1})
    latency = LatencyResult(1000.0, 10_000, 10.0, 5, 30.0, latencies,
                            summarise_latencies([100.0], samples=1, missing={}), 1)  # fmt: skip
    report = assemble_report(
        E2eReport(
            throughput=_throughput(8.0, 9.0, 10.0),
            latency=latency,
            baseline=BaselineResult(events=20_000, seconds=4.0, indexed=20_000),
            cpu_seconds={"identity": 7.26},
            config={"partitions": 4},
            cores=2,
        )
    )

    assert list(report)[:13] == [
        "fraction_of_baseline", "events", "events_per_s", "latency_p50_ms", "latency_p99_ms",
        "baseline_events_per_s", "target_events_per_s", "target_met", "limiting_stage", "hint",
        "throughput", "no_stage_starves", "starvation",
    ]  # fmt: skip
    assert (report["events"], report["events_per_s"], report["baseline_events_per_s"]) == (
        10_000, 1000.0, 5000.0,
    )  # fmt: skip
    assert (report["fraction_of_baseline"], report["target_met"]) == (0.2, False)
    assert (report["latency_p50_ms"], report["latency_p99_ms"]) == (200.0, 298.0)
    assert report["hint"] == HINTS["identity"]
    assert report["throughput"]["held"] == 10
    assert report["throughput"]["held_by_reason"] == {"awaiting-demographics": 4, "review": 6}
    assert report["throughput"]["missing_documents"] == 0
    assert report["throughput"]["shared"] == 9_835
    assert report["throughput"]["kept_back"] == 155
    assert report["throughput"]["kept_back_by_reason"] == {
        "consent-event": 120, "objection": 30, "sensitive": 5,
    }  # fmt: skip
    assert (report["throughput"]["purges"], report["throughput"]["purged"]) == (5, 55)
    assert report["throughput"]["unaccounted"] == 0
    assert report["throughput"]["leaked_documents"] == 0
    assert sum(report["throughput"]["events_by_outcome"].values()) == report["events"]
    assert list(report["throughput"]["time_split_s"]) == list(STAGES)
    assert report["latency"]["missing_by_reason"] == {"held:review": 1}
    assert report["latency"]["released_after_hold"] == 1
    assert report["latency"]["never_held_p50_ms"] == 100.0
    assert report["cpu"]["seconds"] == {"identity": 7.3}
    assert summary_text(report).splitlines() == [
        "0.2 of the no-processing baseline: 10,000 events at 1,000 events/s producer to "
        "searchable, baseline 5,000 events/s (same run)",
        "no stage starves: False (longest with a backlog and no progress: identity 0.5 s, "
        "consent 6.0 s, projection 0.0 s; window 5.0 s)",
        "accounting: 9,780 searchable, 55 purged (5 purges), 155 kept back by consent, 10 held, "
        "0 dead-lettered, 0 unaccounted; documents: 0 missing, 0 leaked",
        "latency at 1,000 events/s: p50 200.0 ms, p99 298.0 ms, 1 of 3 samples not seen",
        "time split (s): produce 2.0, identity 6.0, consent 0.0, projection 1.0, "
        "settle_and_refresh 1.0; "
        "limiting stage: identity",
        "CPU: 0.726 ms per event across the stack, so at most 2754.8 events/s on 2 cores",
    ]
    assert report["stages"]["identity"]["events_per_s"] == 1250.0
    assert report["no_stage_starves"] is False
    assert report["starvation"]["longest_stall_from_s"]["consent"] == 2.0


def test_a_met_target_needs_no_hint_and_no_baseline_gives_no_fraction() -> None:
    """At or above 5,000 events/s there is no hint; a zero baseline gives no fraction."""
    fast = _throughput(1.0, 1.5, 1.9)
    latency = LatencyResult(1000.0, 0, 0.0, 5, 30.0, summarise_latencies([], samples=0, missing={}),
                            summarise_latencies([], samples=0, missing={}), 0)  # fmt: skip
    report = assemble_report(E2eReport(fast, latency, BaselineResult(0, 0.0, 0)))

    assert report["target_met"] is True and report["hint"] is None
    assert report["fraction_of_baseline"] is None
    assert report["latency_p50_ms"] is None


def test_cpu_budget_gives_cost_per_event_and_the_cpu_ceiling() -> None:
    """CPU per event per component, and cores divided by the total cost per event."""
    budget = cpu_budget({"identity": 5.0, "opensearch": 3.0}, events=10_000, cores=2)

    assert budget == {
        "seconds": {"identity": 5.0, "opensearch": 3.0},
        "ms_per_event": {"identity": 0.5, "opensearch": 0.3},
        "total_ms_per_event": 0.8,
        "cores": 2,
        "ceiling_events_per_s": 2500.0,
    }


def test_cpu_budget_without_measurements_has_no_ceiling() -> None:
    """No CPU measured (not Linux, or no events) gives no ceiling rather than a division error."""
    assert cpu_budget({}, events=0, cores=2)["ceiling_events_per_s"] is None
