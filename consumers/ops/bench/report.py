"""The end-to-end benchmark's result: what each phase measured, where the time went, and the one
JSON object ``mcr bench e2e`` prints last. Pure.

The throughput phase's wall time splits into consecutive shares: producing (first produce to
the last delivery report), then each stage's *tail* (identity, consent, projection: how long it
kept working after its input was complete), then the final settle and refresh. The stage with
the largest share is the one limiting throughput: a stage that keeps up finishes within about
one commit interval of its input.

Every published event of the throughput phase is counted under exactly one outcome
(:data:`outcomes.OUTCOMES`: searchable, purged, kept back by consent, held, dead-lettered,
unaccounted), so ``events_by_outcome`` always sums to ``events`` and anything the run cannot
explain is shown as ``unaccounted``, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from consumers.ops.bench.outcomes import OUTCOMES, PURGED, SEARCHABLE
from consumers.ops.bench.percentiles import LatencySummary
from consumers.ops.bench.rates import StageProfile
from consumers.ops.bench.starvation import Starvation

__all__ = [
    "STAGES",
    "TARGET_EVENTS_PER_S",
    "BaselineResult",
    "E2eReport",
    "LatencyResult",
    "ThroughputResult",
    "assemble_report",
    "cpu_budget",
    "limiting_stage",
    "summary_text",
    "time_split",
]

TARGET_EVENTS_PER_S = 5_000
STAGES = ("produce", "identity", "consent", "projection", "settle_and_refresh")
HINTS: Mapping[str, str] = {
    "produce": "the producer (validate + Avro encode in one Python thread): more producer "
    "processes, or skip validation for trusted batch loads",
    "identity": "the identity stage (one faust worker, MPI round trips to PostgreSQL): more "
    "workers in the group (partitions allow 4), fewer round trips per batch, PostgreSQL on "
    "its own cores",
    "consent": "the consent stage (in the same faust worker and group as identity: consent "
    "state read from PostgreSQL per batch, one send per shared event): more workers in the "
    "streams group, or the consent agents in a worker process of their own",
    "projection": "the record projection (one Python consumer, bulk to OpenSearch): more "
    "workers in the group, larger bulk batches, a longer refresh interval while loading",
    "settle_and_refresh": "the end of the run (seeing that every stage has caught up, the "
    "final refresh): a fixed cost that only limits a small run; measure with more events",
}


@dataclass(frozen=True)
class ThroughputResult:
    """The throughput phase: timings (seconds from the first produce) and where events went.

    ``linked`` and ``dead_letters`` count messages on those topics; ``held`` the MPI's held
    events by reason; ``outcomes`` every event under exactly one outcome (see
    :mod:`.outcomes`), with ``kept_back`` and ``unaccounted`` split by reason.
    """

    events: int
    produce_s: float
    caught_up_s: float
    total_s: float
    linked: int
    held: Mapping[str, int]
    dead_letters: int
    expected_documents: int
    searchable_documents: int
    stages: Mapping[str, StageProfile]
    timeline: Mapping[str, Sequence[float] | Sequence[int]] = field(default_factory=dict)
    """Each stage's committed count at every second (see :func:`rates.timeline`)."""
    outcomes: Mapping[str, int] = field(default_factory=dict)
    """Events per outcome (searchable, purged, kept-back, held, dead-letter, unaccounted)."""
    shared: int = 0
    """Events of the phase that reached ``mcr.shared`` (purge commands not counted)."""
    kept_back: Mapping[str, int] = field(default_factory=dict)
    """Events the consent stage kept back (on ``mcr.linked``, not on ``mcr.shared``), by
    reason (inferred from the event)."""
    purges: int = 0
    """Purge commands on ``mcr.shared``."""
    unaccounted: Mapping[str, int] = field(default_factory=dict)
    """Events with no known outcome, by reason (``not-delivered``, ``not-linked``)."""
    unreadable: int = 0
    """Messages on ``mcr.linked`` / ``mcr.shared`` that are neither an event nor a purge."""
    leaked_documents: int = 0
    """Documents searchable although consent kept back or purged every event that wrote them."""
    starvation: Starvation | None = None
    """Each stage's longest span with a backlog and no progress (:mod:`.starvation`)."""

    @property
    def events_per_s(self) -> float:
        """Sustained rate: events over first produce until searchable."""
        return self.events / self.total_s if self.total_s > 0 else 0.0


@dataclass(frozen=True)
class LatencyResult:
    """The latency phase: events produced at ``rate`` for ``seconds``, and the samples."""

    rate: float
    events: int
    seconds: float
    sample_every: int
    timeout_s: float
    summary: LatencySummary
    direct: LatencySummary
    """The samples that were never held (linked on first sight)."""
    released_after_hold: int
    """Seen samples that were held first (awaiting demographics), then released."""


@dataclass(frozen=True)
class BaselineResult:
    """The plain consumer: every event decoded and bulk-indexed, nothing else."""

    events: int
    seconds: float
    indexed: int

    @property
    def events_per_s(self) -> float:
        """Events over the consumer's start until all were indexed and refreshed."""
        return self.events / self.seconds if self.seconds > 0 else 0.0


def time_split(result: ThroughputResult) -> dict[str, float]:
    """Consecutive shares of the throughput phase's wall time, in seconds: producing, then
    each stage's tail after the stage before it was done, then settling and the refresh."""
    split = {"produce": result.produce_s}
    done = result.produce_s
    for stage in ("identity", "consent", "projection"):
        profile = result.stages.get(stage)
        finished = (profile.done_s if profile is not None else None) or done
        split[stage] = max(0.0, finished - done)
        done = max(done, finished)
    split["settle_and_refresh"] = max(0.0, result.total_s - done)
    return split


def limiting_stage(split: Mapping[str, float]) -> str:
    """The share of the wall time that is largest (ties: the earlier one): a stage of
    :data:`STAGES`, or ``settle_and_refresh`` when the end of the run took longest."""
    return max(STAGES, key=lambda stage: split.get(stage, 0.0))


@dataclass(frozen=True)
class E2eReport:
    """Everything one run measured."""

    throughput: ThroughputResult
    latency: LatencyResult
    baseline: BaselineResult
    cpu_seconds: Mapping[str, float] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    cores: int = 0


def assemble_report(report: E2eReport) -> dict[str, Any]:
    """The JSON object of one run: headline numbers first, then the detail of each phase."""
    throughput, latency, baseline = report.throughput, report.latency, report.baseline
    split = time_split(throughput)
    limiting = limiting_stage(split)
    rate = throughput.events_per_s
    met = rate >= TARGET_EVENTS_PER_S
    summary = latency.summary
    starvation_json = throughput.starvation.to_json() if throughput.starvation else {}
    return {  # the fraction leads: absolute rates on a shared machine vary 2x between days
        "fraction_of_baseline": _fraction(rate, baseline.events_per_s),
        "events": throughput.events,
        "events_per_s": round(rate, 1),
        "latency_p50_ms": _round(summary.p50_ms),
        "latency_p99_ms": _round(summary.p99_ms),
        "baseline_events_per_s": round(baseline.events_per_s, 1),
        "target_events_per_s": TARGET_EVENTS_PER_S,
        "target_met": met,
        "limiting_stage": limiting,
        "hint": None if met else HINTS[limiting],
        "throughput": _throughput_json(throughput, split),
        "no_stage_starves": starvation_json.get("no_stage_starves"),
        "starvation": starvation_json,
        "stages": {name: profile.to_json() for name, profile in throughput.stages.items()},
        "timeline": {name: list(values) for name, values in throughput.timeline.items()},
        "latency": {
            "rate_events_per_s": latency.rate,
            "events": latency.events,
            "seconds": round(latency.seconds, 2),
            "sample_every_nth_item": latency.sample_every,
            "timeout_s": latency.timeout_s,
            **summary.to_json(),
            "released_after_hold": latency.released_after_hold,
            "never_held_p50_ms": _round(latency.direct.p50_ms),
            "never_held_p99_ms": _round(latency.direct.p99_ms),
        },
        "baseline": {
            "events": baseline.events,
            "indexed": baseline.indexed,
            "seconds": round(baseline.seconds, 3),
            "events_per_s": round(baseline.events_per_s, 1),
        },
        "cpu": cpu_budget(report.cpu_seconds, events=throughput.events, cores=report.cores),
        "config": dict(report.config),
    }


def cpu_budget(cpu_seconds: Mapping[str, float], *, events: int, cores: int) -> dict[str, Any]:
    """CPU the throughput phase cost, per component and per event, and the rate the machine
    could reach if the CPU were the only limit and every core were busy:
    ``cores / (CPU seconds per event)``."""
    total = sum(cpu_seconds.values())
    per_event_ms = total * 1000 / events if events else 0.0
    return {
        "seconds": {name: round(value, 1) for name, value in cpu_seconds.items()},
        "ms_per_event": {
            name: round(value * 1000 / events, 3) if events else None
            for name, value in cpu_seconds.items()
        },
        "total_ms_per_event": round(per_event_ms, 3),
        "cores": cores,
        "ceiling_events_per_s": round(cores * 1000 / per_event_ms, 1) if per_event_ms else None,
    }


def _throughput_json(result: ThroughputResult, split: Mapping[str, float]) -> dict[str, Any]:
    return {
        "seconds": round(result.total_s, 3),
        "produce_s": round(result.produce_s, 3),
        "caught_up_s": round(result.caught_up_s, 3),
        "time_split_s": {name: round(value, 3) for name, value in split.items()},
        "linked": result.linked,
        "held": sum(result.held.values()),
        "held_by_reason": dict(sorted(result.held.items())),
        "dead_letters": result.dead_letters,
        "shared": result.shared,
        "kept_back": sum(result.kept_back.values()),
        "kept_back_by_reason": dict(sorted(result.kept_back.items())),
        "purges": result.purges,
        "purged": result.outcomes.get(PURGED, 0),
        "unaccounted": sum(result.unaccounted.values()),
        "unaccounted_by_reason": dict(sorted(result.unaccounted.items())),
        "unreadable_messages": result.unreadable,
        "events_by_outcome": {name: result.outcomes.get(name, 0) for name in OUTCOMES},
        "expected_documents": result.expected_documents,
        "searchable_documents": result.searchable_documents,
        "missing_documents": result.expected_documents - result.searchable_documents,
        "leaked_documents": result.leaked_documents,
    }


def _fraction(value: float, of: float) -> float | None:
    return round(value / of, 3) if of > 0 else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def summary_text(result: Mapping[str, Any]) -> str:
    """A few readable lines of an assembled report (printed before the JSON line)."""
    latency, cpu, throughput = result["latency"], result["cpu"], result["throughput"]
    split = throughput["time_split_s"]
    outcome = throughput["events_by_outcome"]
    starving = result.get("starvation") or {}
    stalls = ", ".join(f"{k} {v} s" for k, v in starving.get("longest_stall_s", {}).items())
    return (
        f"{result['fraction_of_baseline']} of the no-processing baseline: "
        f"{result['events']:,} events at {result['events_per_s']:,.0f} events/s producer to "
        f"searchable, baseline {result['baseline_events_per_s']:,.0f} events/s (same run)\n"
        f"no stage starves: {starving.get('no_stage_starves')} (longest with a backlog and no "
        f"progress: {stalls}; window {starving.get('window_s')} s)\n"
        f"accounting: {outcome[SEARCHABLE]:,} searchable, {outcome[PURGED]:,} purged "
        f"({throughput['purges']:,} purges), {throughput['kept_back']:,} kept back by consent, "
        f"{throughput['held']:,} held, {outcome['dead-letter']:,} dead-lettered, "
        f"{throughput['unaccounted']:,} unaccounted; documents: "
        f"{throughput['missing_documents']:,} missing, {throughput['leaked_documents']:,} "
        "leaked\n"
        f"latency at {latency['rate_events_per_s']:,.0f} events/s: p50 "
        f"{result['latency_p50_ms']} ms, p99 {result['latency_p99_ms']} ms, "
        f"{latency['missing']} of {latency['samples']} samples not seen\n"
        f"time split (s): {', '.join(f'{k} {v}' for k, v in split.items())}; "
        f"limiting stage: {result['limiting_stage']}\n"
        f"CPU: {cpu['total_ms_per_event']} ms per event across the stack, so at most "
        f"{cpu['ceiling_events_per_s']} events/s on {cpu['cores']} cores"
    )
