"""The throughput phase: publish N events as fast as possible, wait until every stage has
caught up, refresh, then account for every event and check what is searchable. Thin I/O
around the pure modules.

"Caught up" means: the streams group (identity and consent) committed the ends of the source
topics, the MPI has nothing released or decided left to send, the streams group committed the
ends of the linked and identity-change topics (consent), and the projection group committed
the ends of the shared and identity-change topics. A sampler thread records every stage's
offsets meanwhile, for the per-stage profile.

Afterwards (off the clock) the linked, shared and dead-letter topics are read once and every
published event gets one outcome (:mod:`.outcomes`): searchable, purged, kept back by consent,
held, dead-lettered or unaccounted. The documents of the searchable ones must be searchable at
their highest version (``missing_documents``); those of events consent kept back or purged
(and not also written by a searchable event) must not be (``leaked_documents``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from opensearchpy import OpenSearch

from consumers.ops.bench.errors import CatchUpTimeoutError
from consumers.ops.bench.events import expected_versions
from consumers.ops.bench.lag import PipelineSnapshot, stage_points
from consumers.ops.bench.outcomes import (
    KEPT_BACK,
    PURGED,
    SEARCHABLE,
    count_fates,
    fate,
    withheld_items,
)
from consumers.ops.bench.probe import OffsetProbe, Position, mpi_state, pipeline_log
from consumers.ops.bench.rates import profile_stage, timeline
from consumers.ops.bench.report import ThroughputResult
from consumers.ops.bench.space import BenchSpace
from consumers.ops.bench.starvation import starvation
from consumers.ops.bench.visibility import missing_documents, refresh, visible_versions
from mcr.core.logging import get_logger
from producers.sdk import DeliveryReport, PublisherConfig
from producers.sdk.fleet import PublisherFleet
from schemas.events import SourceEvent

__all__ = ["SAMPLE_INTERVAL_S", "Sampler", "run_throughput", "wait_caught_up"]

SAMPLE_INTERVAL_S = 0.25
WAIT_INTERVAL_S = 0.1
STALL_S = 60.0
log = get_logger(__name__)


class Sampler:
    """Snapshots of every stage's offsets every ``interval_s``, in a background thread."""

    def __init__(self, probe: OffsetProbe, *, since: float, interval_s: float) -> None:
        self.snapshots: list[PipelineSnapshot] = []
        self._probe, self._since, self._interval = probe, since, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            try:
                self.snapshots.append(self._probe.snapshot(self._since))
            except Exception as exc:  # a slow broker answer loses one sample, not the run
                log.warning("bench sample failed", error_type=type(exc).__name__)
            if self._stop.wait(self._interval):
                return


def run_throughput(
    space: BenchSpace,
    events: Sequence[SourceEvent],
    *,
    probe: OffsetProbe,
    client: OpenSearch,
    publisher: PublisherConfig,
    timeout_s: float,
    measured: Callable[[], object] | None = None,
) -> ThroughputResult:
    """Run the phase; raises CatchUpTimeoutError when the stages are behind after
    ``timeout_s`` seconds. ``measured`` is called once the clock has stopped, before the
    accounting reads the topics back (so a CPU meter can leave that reading out)."""
    positions: dict[str, Position] = {}

    def delivered(report: DeliveryReport) -> None:
        if report.partition is not None and report.offset is not None:
            positions[report.event_id] = (report.topic, report.partition, report.offset)

    started = time.monotonic()
    with Sampler(probe, since=started, interval_s=SAMPLE_INTERVAL_S) as sampler:
        with PublisherFleet(publisher, on_delivery=delivered) as producer:
            for event in events:
                producer.publish(event)
            producer.flush(timeout=300)
        produce_s = time.monotonic() - started
        log.info("bench produced", events=len(events), elapsed_s=round(produce_s, 2))
        final = wait_caught_up(space, probe, since=started, produced=len(events),
                                timeout_s=timeout_s)  # fmt: skip
    refresh(client, space.alias)
    total_s = time.monotonic() - started
    if measured is not None:
        measured()
    snapshots = sorted([*sampler.snapshots, final], key=lambda s: s.t)
    return _result(space, events, positions, snapshots, client=client, produce_s=produce_s,
                   caught_up_s=final.t, total_s=total_s, probe=probe)  # fmt: skip


def wait_caught_up(
    space: BenchSpace, probe: OffsetProbe, *, since: float, produced: int, timeout_s: float
) -> PipelineSnapshot:
    """The first snapshot showing every stage caught up (see the module docstring).

    Raises CatchUpTimeoutError after ``timeout_s``, or sooner when no stage has moved for
    :data:`STALL_S` seconds (a stuck worker should not cost the whole timeout).
    """
    deadline = time.monotonic() + timeout_s
    last_progress, moved_at = -1, time.monotonic()
    while True:
        first = probe.snapshot(since)
        # Once identity is done nothing new gets held or released, and once the outbox has sent
        # everything the linked topic's end is final, so the next snapshot can be trusted.
        identity_done = first.identity.written >= produced and first.identity.caught_up
        if identity_done and mpi_state(space).settled:
            final = probe.snapshot(since)
            if final.caught_up(produced):
                return final
        now = time.monotonic()
        if first.progress != last_progress:
            last_progress, moved_at = first.progress, now
        if now > deadline or now - moved_at > STALL_S:
            why = "stalled" if now <= deadline else "timed out"
            raise CatchUpTimeoutError(
                f"pipeline {why} after {now - since:.0f} s, not caught up; lags {first.lags()}"
            )
        time.sleep(WAIT_INTERVAL_S)


def _result(
    space: BenchSpace,
    events: Sequence[SourceEvent],
    positions: dict[str, Position],
    snapshots: Sequence[PipelineSnapshot],
    *,
    client: OpenSearch,
    probe: OffsetProbe,
    produce_s: float,
    caught_up_s: float,
    total_s: float,
) -> ThroughputResult:
    mpi = mpi_state(space)
    log, dead = pipeline_log(space, probe)
    withheld = withheld_items(events)
    fates = [
        fate(event, positions.get(event.payload["header"]["event_id"]), held=mpi.held,
             dead=dead, log=log, withheld=withheld)
        for event in events
    ]  # fmt: skip
    outcomes, kept_back, unaccounted = count_fates(fates)
    expected = expected_versions(
        e for e, f in zip(events, fates, strict=True) if f.outcome == SEARCHABLE
    )
    missing = missing_documents(client, space.alias, expected)
    removed = expected_versions(
        e for e, f in zip(events, fates, strict=True) if f.outcome in (KEPT_BACK, PURGED)
    )
    leaked = visible_versions(client, space.alias, [d for d in removed if d not in expected])
    points = stage_points(snapshots)
    stages = {name: profile_stage(series) for name, series in points.items()}
    return ThroughputResult(
        events=len(events),
        produce_s=produce_s,
        caught_up_s=caught_up_s,
        total_s=total_s,
        linked=probe.written(space.linked_topic),
        held=mpi.held_by_reason(),
        dead_letters=probe.dead_letters,
        expected_documents=len(expected),
        searchable_documents=len(expected) - missing,
        stages=stages,
        timeline=timeline(points),
        starvation=starvation(points),
        outcomes=outcomes,
        shared=outcomes[SEARCHABLE] + outcomes[PURGED],
        kept_back=kept_back,
        purges=len(log.purges),
        unaccounted=unaccounted,
        unreadable=log.unreadable,
        leaked_documents=len(leaked),
    )
