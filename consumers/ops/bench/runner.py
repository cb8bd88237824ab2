"""``mcr bench e2e``: the whole pipeline, producer to searchable record, measured. Orchestration
only; each phase lives in its own module.

1. Generate the events up front (the simulator's cost is not the pipeline's).
2. Make the run's private topics, schema (MPI and consent tables), groups and alias; start
   ``mcr streams worker`` (the streams app: identity and consent) and ``mcr record run`` on
   them as child processes; wait until both groups are assigned.
3. Throughput phase (:mod:`.throughput`), then latency phase (:mod:`.latency`), with the
   workers running; then stop them.
4. Baseline (:mod:`.baseline`) over the same source topics, with nothing else running.
5. Remove everything the run made, and return the report (:mod:`.report`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch

from consumers.ops.bench.baseline import run_baseline
from consumers.ops.bench.cpu import CpuMeter, PidSource, process
from consumers.ops.bench.events import organisations_of, region_events
from consumers.ops.bench.latency import run_latency
from consumers.ops.bench.probe import OffsetProbe, backend_pids
from consumers.ops.bench.provision import provisioned
from consumers.ops.bench.report import (
    E2eReport,
    LatencyResult,
    ThroughputResult,
    assemble_report,
)
from consumers.ops.bench.space import STREAMS_LAYOUT, BenchSpace, Targets, new_space
from consumers.ops.bench.throughput import run_throughput
from consumers.ops.bench.workers import Worker, running_workers, wait_until_ready
from deploy.local.settings import StackSettings
from deploy.local.stack import services
from mcr.core.logging import get_logger
from mcr.core.opensearch import connect as opensearch_client
from producers.sdk import PublisherConfig
from projections.record.settings import RecordSettings
from schemas.events import SourceEvent
from streams.consent.settings import ConsentSettings
from streams.identity.settings import IdentitySettings

__all__ = ["E2eOptions", "run_e2e_bench"]

log = get_logger(__name__)


@dataclass(frozen=True)
class E2eOptions:
    """What to run: sizes, rates and patience."""

    events: int = 20_000
    seed: int = 2026
    latency_rate: float = 1_000.0
    latency_seconds: float = 10.0
    sample_every: int = 5
    latency_timeout_s: float = 30.0
    catch_up_timeout_s: float | None = None
    """None: :func:`catch_up_timeout` of ``events``. A stuck pipeline is caught sooner anyway
    (no stage moving for a minute stops the run)."""
    partitions: int = 4
    identity_workers: int = 1
    projection_workers: int = 1


def catch_up_timeout(options: E2eOptions) -> float:
    """How long the run may take to catch up: as set, else 15 minutes or 50 events/s for a
    larger run (a 300,000-event run needs about 45 minutes at 110 events/s on a busy day)."""
    if options.catch_up_timeout_s is not None:
        return options.catch_up_timeout_s
    return max(900.0, options.events / 50)


def run_e2e_bench(options: E2eOptions, *, stack: StackSettings) -> dict[str, Any]:
    """Run the benchmark on the real stack; returns the JSON-able report.

    Raises BenchError (WorkerExitedError, CatchUpTimeoutError) when no trustworthy number
    could be taken; the run's topics, schema, groups and indices are removed either way.
    """
    targets = Targets(stack.kafka_admin, stack.opensearch_user_url("mcr_projection"),
                      stack.identity_dsn, stack.consent_dsn, stack.operator_dsn)  # fmt: skip
    throughput_events = region_events(options.events, seed=options.seed)
    latency_events = region_events(
        round(options.latency_rate * options.latency_seconds),
        seed=options.seed,
        first_person=throughput_events.next_person,
    )
    orgs = organisations_of([*throughput_events.events, *latency_events.events])
    space = new_space(
        targets, partitions=options.partitions, organisations=orgs, streams_layout=STREAMS_LAYOUT
    )
    load = os.getloadavg()[0]  # what else was running: the numbers are only comparable at rest
    client = opensearch_client(
        targets.opensearch_url, timeout_s=60, ca_file=str(stack.opensearch_ca_file)
    )
    log.info("bench e2e starting", events=options.events, alias=space.alias)
    try:
        with provisioned(space, client), tempfile.TemporaryDirectory(prefix="mcr-bench-") as tmp:
            throughput, cpu, latency = _pipeline_phases(
                space, client, Path(tmp), options=options, stack=stack,
                events=(throughput_events.events, latency_events.events),
            )  # fmt: skip
            baseline = run_baseline(
                space, client, events=options.events + len(latency_events.events),
                # as fresh as the record: the projection's worker refreshes at this interval
                refresh_interval=f"{RecordSettings.from_env().visible_interval_ms}ms",
                timeout_s=catch_up_timeout(options),
            )  # fmt: skip
    finally:
        client.close()
    config = _config(options, space, load)
    return assemble_report(
        E2eReport(throughput, latency, baseline, cpu, config, os.cpu_count() or 1)
    )


def _pipeline_phases(
    space: BenchSpace,
    client: OpenSearch,
    folder: Path,
    *,
    options: E2eOptions,
    stack: StackSettings,
    events: tuple[Sequence[SourceEvent], Sequence[SourceEvent]],
) -> tuple[ThroughputResult, dict[str, float], LatencyResult]:
    """Start the workers, run the throughput then the latency phase, stop the workers."""
    probe = OffsetProbe(space)
    publisher = space.publisher_config(PublisherConfig.from_env())
    with running_workers(
        space, folder, identity=options.identity_workers, projection=options.projection_workers
    ) as workers:
        admin = AdminClient(space.targets.kafka.config())
        ready_s = wait_until_ready(admin, workers)
        log.info("bench workers ready", elapsed_s=round(ready_s, 1))
        meter = CpuMeter(cpu_components(workers, stack, space))
        cpu: dict[str, float] = {}
        meter.start()
        throughput = run_throughput(
            space, events[0], probe=probe, client=client, publisher=publisher,
            timeout_s=catch_up_timeout(options), measured=lambda: cpu.update(meter.stop()),
        )  # fmt: skip
        log.info("bench throughput done", elapsed_s=round(throughput.total_s, 2))
        latency = run_latency(
            space, events[1], client=client, probe=probe, publisher=publisher,
            rate=options.latency_rate, sample_every=options.sample_every,
            timeout_s=options.latency_timeout_s,
        )  # fmt: skip
    return throughput, cpu, latency


def cpu_components(
    workers: list[Worker], stack: StackSettings, space: BenchSpace
) -> dict[str, PidSource]:
    """Who may be on the CPU in a run: this process, each worker, each store of the stack but
    PostgreSQL, and the PostgreSQL backends serving the space's workers."""
    found = {"bench": process(os.getpid())}
    found |= {worker.name: process(worker.process.pid) for worker in workers}
    for service in services(stack):
        pid = service.pid()
        if pid is not None and service.name != "postgres":
            found[service.name] = process(pid)
    found["postgres"] = partial(backend_pids, space)
    return found


def _config(options: E2eOptions, space: BenchSpace, load: float) -> dict[str, Any]:
    record = RecordSettings.from_env()
    identity = IdentitySettings.from_env()
    consent = ConsentSettings.from_env()
    return {
        "run_tag": space.tag,
        "load_1m_at_start": round(load, 2),
        **{k: v for k, v in asdict(options).items() if k != "events"},
        "identity_batch": identity.batch_size,
        "identity_batch_within_ms": identity.batch_within_ms,
        "consent_batch": consent.batch_size,
        "consent_batch_within_ms": consent.batch_within_ms,
        "record_flush_max_docs": record.flush_max_docs,
        "record_flush_interval_ms": record.flush_interval_ms,
        "record_refresh_interval": record.refresh_interval,
        "record_visible_interval_ms": record.visible_interval_ms,
        "commit_interval_s": space.commit_interval_s,
    }
