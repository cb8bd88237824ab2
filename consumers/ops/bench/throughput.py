"""The throughput phase: publish N events as fast as possible, wait until every stage has
caught up, refresh, then check what is searchable. Thin I/O around the pure modules.

"Caught up" means: the identity group committed the ends of the source topics, the MPI has
nothing released or decided left to send, and the projection group committed the ends of the
linked and identity-change topics. A sampler thread records every stage's offsets meanwhile,
for the per-stage profile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from opensearchpy import OpenSearch

from consumers.ops.bench.errors import CatchUpTimeoutError
from consumers.ops.bench.events import expected_versions
from consumers.ops.bench.lag import PipelineSnapshot, stage_points
from consumers.ops.bench.probe import OffsetProbe, Position, dead_letter_positions, mpi_state
from consumers.ops.bench.rates import profile_stage, timeline
from consumers.ops.bench.report import ThroughputResult
from consumers.ops.bench.space import BenchSpace
from consumers.ops.bench.visibility import missing_documents, refresh
from mcr.logging import get_logger
from producers.sdk import DeliveryReport, Publisher, PublisherConfig
from schemas.events import SourceEvent

__all__ = ["run_throughput"]

SAMPLE_INTERVAL_S = 0.25
WAIT_INTERVAL_S = 0.1
STALL_S = 60.0
log = get_logger(__name__)


class _Sampler:
    """Snapshots of every stage's offsets every ``interval_s``, in a background thread."""

    def __init__(self, probe: OffsetProbe, *, since: float, interval_s: float) -> None:
        self.snapshots: list[PipelineSnapshot] = []
        self._probe, self._since, self._interval = probe, since, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def __enter__(self) -> _Sampler:
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
) -> ThroughputResult:
    """Run the phase; raises CatchUpTimeoutError when the stages are behind after
    ``timeout_s`` seconds."""
    positions: dict[str, Position] = {}

    def delivered(report: DeliveryReport) -> None:
        if report.partition is not None and report.offset is not None:
            positions[report.event_id] = (report.topic, report.partition, report.offset)

    started = time.monotonic()
    with _Sampler(probe, since=started, interval_s=SAMPLE_INTERVAL_S) as sampler:
        with Publisher(publisher, on_delivery=delivered) as producer:
            for event in events:
                producer.publish(event)
            producer.flush(timeout=300)
        produce_s = time.monotonic() - started
        log.info("bench produced", events=len(events), elapsed_s=round(produce_s, 2))
        final = _wait_caught_up(space, probe, since=started, produced=len(events),
                                timeout_s=timeout_s)  # fmt: skip
    refresh(client, space.alias)
    total_s = time.monotonic() - started
    snapshots = sorted([*sampler.snapshots, final], key=lambda s: s.t)
    return _result(space, events, positions, snapshots, client=client, produce_s=produce_s,
                   caught_up_s=final.t, total_s=total_s, probe=probe)  # fmt: skip


def _wait_caught_up(
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
    dead_letters = probe.dead_letters
    dead = dead_letter_positions(space, count=dead_letters) if dead_letters else set()
    through = [
        event
        for event in events
        if (where := positions.get(event.payload["header"]["event_id"])) is not None
        and where not in mpi.held
        and where not in dead
    ]
    expected = expected_versions(through)
    missing = missing_documents(client, space.alias, expected)
    points = stage_points(snapshots)
    stages = {name: profile_stage(series) for name, series in points.items()}
    return ThroughputResult(
        events=len(events),
        produce_s=produce_s,
        caught_up_s=caught_up_s,
        total_s=total_s,
        linked=probe.written(space.linked_topic),
        held=mpi.held_by_reason(),
        dead_letters=dead_letters,
        expected_documents=len(expected),
        searchable_documents=len(expected) - missing,
        stages=stages,
        timeline=timeline(points),
    )
