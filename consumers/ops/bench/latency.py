"""The latency phase: publish at a fixed rate and time sampled items until they are searchable.

Every ``sample_every``-th clinical item is a sample: its produce time is taken just before it
is handed to the producer, and a poller thread asks OpenSearch for every outstanding sample in
one ``mget`` (``realtime=false``: searchable, not merely written) every :data:`POLL_INTERVAL_S`.
A sample is seen when its document is searchable at the sample's version or later; latency is
the poll answer's time minus the produce time, so it is at most one poll interval pessimistic.
Samples not seen within ``timeout_s`` are classified from the MPI (still held: review or
awaiting demographics) and the dead-letter topic.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from opensearchpy import OpenSearch

from consumers.ops.bench.events import document_id, sample_indices
from consumers.ops.bench.percentiles import summarise_latencies
from consumers.ops.bench.probe import (
    MpiState,
    OffsetProbe,
    Position,
    dead_letter_positions,
    mpi_state,
)
from consumers.ops.bench.report import LatencyResult
from consumers.ops.bench.space import BenchSpace
from consumers.ops.bench.visibility import searchable_versions
from mcr.logging import get_logger
from producers.sdk import DeliveryCallback, DeliveryReport, Publisher, PublisherConfig
from producers.simulator import TokenBucket
from schemas.events import SourceEvent

__all__ = ["POLL_INTERVAL_S", "run_latency"]

POLL_INTERVAL_S = 0.05
HELD_CHECK_S = 1.0
log = get_logger(__name__)


@dataclass
class _Sample:
    doc_id: str
    version: int
    produced_at: float | None = None
    seen_at: float | None = None
    position: Position | None = None


class _Poller:
    """Polls OpenSearch for the outstanding samples until stopped (a background thread)."""

    def __init__(self, client: OpenSearch, index: str, samples: Sequence[_Sample]) -> None:
        self._client, self._index, self._samples = client, index, samples
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def produced(self, sample: _Sample) -> None:
        """Mark ``sample`` as handed to the producer now."""
        with self._lock:
            sample.produced_at = time.monotonic()

    def outstanding(self) -> list[_Sample]:
        with self._lock:
            return [s for s in self._samples if s.produced_at is not None and s.seen_at is None]

    def _run(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            waiting = self.outstanding()
            if not waiting:
                continue
            try:
                found = searchable_versions(self._client, self._index, [s.doc_id for s in waiting])
            except Exception as exc:  # one failed poll delays samples, it does not lose them
                log.warning("bench poll failed", error_type=type(exc).__name__)
                continue
            now = time.monotonic()
            with self._lock:
                for sample in waiting:
                    if found.get(sample.doc_id, -1) >= sample.version:
                        sample.seen_at = now


def run_latency(
    space: BenchSpace,
    events: Sequence[SourceEvent],
    *,
    client: OpenSearch,
    probe: OffsetProbe,
    publisher: PublisherConfig,
    rate: float,
    sample_every: int,
    timeout_s: float,
) -> LatencyResult:
    """Publish ``events`` at ``rate`` per second and measure the samples' latencies."""
    chosen = {
        index: _sample_of(events[index]) for index in sample_indices(events, every=sample_every)
    }
    samples = list(chosen.values())
    poller = _Poller(client, space.alias, samples)
    limiter = TokenBucket(rate)
    poller.start()
    try:
        started = time.monotonic()
        with Publisher(publisher) as producer:
            for index, event in enumerate(events):
                limiter.acquire()
                sample = chosen.get(index)
                if sample is None:
                    producer.publish(event)
                    continue
                poller.produced(sample)
                producer.publish(event, on_delivery=_position_setter(sample))
        seconds = time.monotonic() - started
        log.info("bench latency events produced", events=len(events), elapsed_s=round(seconds, 2))
        _wait_for(poller, space, probe, timeout_s)
    finally:
        poller.stop()
    return _result(space, probe, samples, rate=rate, events=len(events), seconds=seconds,
                   sample_every=sample_every, timeout_s=timeout_s)  # fmt: skip


def _result(
    space: BenchSpace,
    probe: OffsetProbe,
    samples: Sequence[_Sample],
    *,
    rate: float,
    events: int,
    seconds: float,
    sample_every: int,
    timeout_s: float,
) -> LatencyResult:
    mpi = mpi_state(space)
    unseen = [s for s in samples if s.seen_at is None]
    missing = _missing_reasons(probe, space, unseen, mpi) if unseen else {}
    seen = [s for s in samples if s.seen_at is not None and s.produced_at is not None]
    direct = [s for s in seen if s.position not in mpi.forwarded]
    return LatencyResult(
        rate=rate,
        events=events,
        seconds=seconds,
        sample_every=sample_every,
        timeout_s=timeout_s,
        summary=summarise_latencies(_latencies(seen), samples=len(samples), missing=missing),
        direct=summarise_latencies(_latencies(direct), samples=len(direct), missing={}),
        released_after_hold=len(seen) - len(direct),
    )


def _latencies(samples: Sequence[_Sample]) -> list[float]:
    return [
        (s.seen_at - s.produced_at) * 1000
        for s in samples
        if s.seen_at is not None and s.produced_at is not None
    ]


def _sample_of(event: SourceEvent) -> _Sample:
    doc_id = document_id(event)
    assert doc_id is not None, "samples are clinical items, which are always projected"
    return _Sample(doc_id, int(event.payload["header"]["record_version"]))


def _position_setter(sample: _Sample) -> DeliveryCallback:
    def delivered(report: DeliveryReport) -> None:
        if report.partition is not None and report.offset is not None:
            sample.position = (report.topic, report.partition, report.offset)

    return delivered


def _wait_for(poller: _Poller, space: BenchSpace, probe: OffsetProbe, timeout_s: float) -> None:
    """Until no sample is outstanding, the last produced one is ``timeout_s`` old, or every
    outstanding sample is held in the MPI after identity has read everything (then nothing
    will release it: waiting longer would only cost time)."""
    deadline = time.monotonic() + timeout_s
    next_check = time.monotonic() + HELD_CHECK_S
    while (waiting := poller.outstanding()) and time.monotonic() < deadline:
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + HELD_CHECK_S
            if _all_held(waiting, space, probe):
                return
        time.sleep(POLL_INTERVAL_S)


def _all_held(waiting: Sequence[_Sample], space: BenchSpace, probe: OffsetProbe) -> bool:
    if not probe.snapshot(time.monotonic()).identity.caught_up:
        return False
    mpi = mpi_state(space)
    return mpi.settled and all(s.position in mpi.held for s in waiting)


def _missing_reasons(
    probe: OffsetProbe, space: BenchSpace, unseen: Sequence[_Sample], mpi: MpiState
) -> dict[str, int]:
    dead_letters = probe.dead_letters
    dead = dead_letter_positions(space, count=dead_letters) if dead_letters else set()
    reasons: dict[str, int] = {}
    for sample in unseen:
        reason = _reason(sample.position, mpi, dead)
        reasons[reason] = reasons.get(reason, 0) + 1
    return reasons


def _reason(position: Position | None, mpi: MpiState, dead: set[Position]) -> str:
    if position is None:
        return "not-delivered"
    if position in mpi.held:
        return f"held:{mpi.held[position]}"
    if position in dead:
        return "dead-letter"
    return "unknown"
