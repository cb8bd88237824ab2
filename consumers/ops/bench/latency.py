"""The latency phase: publish at a fixed rate and time sampled items until they are searchable.

Every ``sample_every``-th clinical item is a sample: its produce time is taken just before it
is handed to the producer, and a poller thread asks OpenSearch for every outstanding sample in
one ``mget`` (``realtime=false``: searchable, not merely written) every :data:`POLL_INTERVAL_S`.
A sample is seen when its document is searchable at the sample's version or later; latency is
the poll answer's time minus the produce time, so it is at most one poll interval pessimistic.

The wait ends when every sample was seen, after ``timeout_s``, or once the whole pipeline is
idle (every stage caught up, the MPI settled) on two checks :data:`IDLE_CHECK_S` apart, so
that the last refresh has been polled: then nothing outstanding can still appear. Samples not
seen are classified like the throughput phase's events (:mod:`.outcomes`), from the MPI, the
dead-letter topic and what reached ``mcr.linked`` and ``mcr.shared``: ``held:<reason>``,
``dead-letter``, ``consent:<reason>`` (kept back), ``consent:purged``, or ``not-delivered``,
``not-linked``, ``not-searchable`` (none of those: it should have been seen).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from opensearchpy import OpenSearch

from consumers.ops.bench.events import document_id, sample_indices
from consumers.ops.bench.outcomes import fate, withheld_items
from consumers.ops.bench.percentiles import summarise_latencies
from consumers.ops.bench.probe import OffsetProbe, Position, mpi_state, pipeline_log
from consumers.ops.bench.report import LatencyResult
from consumers.ops.bench.space import BenchSpace
from consumers.ops.bench.visibility import searchable_versions
from mcr.core.logging import get_logger
from producers.sdk import DeliveryCallback, DeliveryReport, PublisherConfig
from producers.sdk.fleet import PublisherFleet
from producers.simulator import TokenBucket
from schemas.events import SourceEvent

__all__ = ["POLL_INTERVAL_S", "run_latency"]

POLL_INTERVAL_S = 0.05
IDLE_CHECK_S = 1.0
log = get_logger(__name__)


@dataclass
class _Sample:
    event: SourceEvent
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
        with PublisherFleet(publisher) as producer:
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
    return _result(space, probe, samples, rate=rate, events=events, seconds=seconds,
                   sample_every=sample_every, timeout_s=timeout_s)  # fmt: skip


def _result(
    space: BenchSpace,
    probe: OffsetProbe,
    samples: Sequence[_Sample],
    *,
    rate: float,
    events: Sequence[SourceEvent],
    seconds: float,
    sample_every: int,
    timeout_s: float,
) -> LatencyResult:
    mpi = mpi_state(space)
    unseen = [s for s in samples if s.seen_at is None]
    missing = _missing_reasons(space, probe, unseen, mpi.held, events) if unseen else {}
    seen = [s for s in samples if s.seen_at is not None and s.produced_at is not None]
    direct = [s for s in seen if s.position not in mpi.forwarded]
    return LatencyResult(
        rate=rate,
        events=len(events),
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
    return _Sample(event, doc_id, int(event.payload["header"]["record_version"]))


def _position_setter(sample: _Sample) -> DeliveryCallback:
    def delivered(report: DeliveryReport) -> None:
        if report.partition is not None and report.offset is not None:
            sample.position = (report.topic, report.partition, report.offset)

    return delivered


def _wait_for(poller: _Poller, space: BenchSpace, probe: OffsetProbe, timeout_s: float) -> None:
    """Until no sample is outstanding, the last produced one is ``timeout_s`` old, or the
    pipeline was idle at two checks in a row (then nothing outstanding will appear: waiting
    longer would only cost time)."""
    deadline = time.monotonic() + timeout_s
    next_check = time.monotonic() + IDLE_CHECK_S
    idle_before = False
    while poller.outstanding() and time.monotonic() < deadline:
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + IDLE_CHECK_S
            idle = _pipeline_idle(space, probe)
            if idle and idle_before:
                return
            idle_before = idle
        time.sleep(POLL_INTERVAL_S)


def _pipeline_idle(space: BenchSpace, probe: OffsetProbe) -> bool:
    """True when every stage has committed its whole input and the MPI has nothing left to
    send (checked in that order, as the throughput phase does, so no end is read stale)."""
    if not probe.snapshot(time.monotonic()).identity.caught_up or not mpi_state(space).settled:
        return False
    final = probe.snapshot(time.monotonic())
    return all(
        stage.caught_up for stage in (final.identity, final.consent, final.projection,
                                      final.changes)
    )  # fmt: skip


def _missing_reasons(
    space: BenchSpace,
    probe: OffsetProbe,
    unseen: Sequence[_Sample],
    held: Mapping[Position, str],
    events: Sequence[SourceEvent],
) -> dict[str, int]:
    log, dead = pipeline_log(space, probe)
    withheld = withheld_items(events)
    reasons: dict[str, int] = {}
    for sample in unseen:
        found = fate(sample.event, sample.position, held=held, dead=dead, log=log,
                     withheld=withheld)  # fmt: skip
        reasons[found.missing_reason] = reasons.get(found.missing_reason, 0) + 1
    return reasons
