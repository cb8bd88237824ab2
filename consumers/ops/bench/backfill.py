"""``mcr bench backfill``: load a synthetic region end to end through the real pipeline and
measure it. Orchestration only.

1. **Publish.** People 0 .. N-1 of the region simulator are generated one at a time and
   published through the producer SDK (streamed: one person's events in memory at a time), with
   no worker running: the source systems' history lands in Kafka first, as in a real backfill,
   and the generator's cost is measured apart from the pipeline's.
2. **Pipeline.** ``mcr streams worker`` and ``mcr record run`` start on the run's private
   topics (as in ``mcr bench e2e``); the clock runs from their start until every stage has
   caught up and the record is refreshed; ``pipeline_events_per_s`` leaves out their start-up
   (until both groups are assigned), which is reported on its own. Offsets are sampled every
   0.25 s for each stage's lag curve, the time each stage held the most work, and the
   no-stage-starves check; CPU per component is metered over this phase.
3. **Accounting** (off the clock). The forwarding topics are read back into compact id sets,
   then the source topics are read back once and every event gets exactly one outcome
   (:mod:`.backfill_ledger`); documents are checked on a stable sample of ids.

Nothing is extrapolated silently: a run with fewer people than the region says so, and the
full region's time at the measured rate is labelled as an estimate.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch

from consumers.ops.bench.backfill_ledger import Forwarding, Ledger, removed_by_purges
from consumers.ops.bench.backfill_stream import Tally, region_organisations, region_stream
from consumers.ops.bench.bottleneck import backlog_curve, bottleneck_seconds
from consumers.ops.bench.cpu import CpuMeter
from consumers.ops.bench.errors import BenchError
from consumers.ops.bench.id_set import IdSet, IdSetBuilder
from consumers.ops.bench.lag import PipelineSnapshot, stage_points
from consumers.ops.bench.outcomes import (
    PURGED,
    SEARCHABLE,
    LogMessage,
    PurgeSeen,
    SharedSplit,
    dead_letters,
    event_id,
)
from consumers.ops.bench.probe import OffsetProbe, mpi_state
from consumers.ops.bench.provision import provisioned
from consumers.ops.bench.rates import profile_stage
from consumers.ops.bench.report import cpu_budget
from consumers.ops.bench.runner import cpu_components
from consumers.ops.bench.space import STREAMS_LAYOUT, BenchSpace, Targets, new_space
from consumers.ops.bench.starvation import starvation
from consumers.ops.bench.throughput import SAMPLE_INTERVAL_S, Sampler, wait_caught_up
from consumers.ops.bench.visibility import missing_documents, refresh, visible_versions
from consumers.ops.bench.workers import running_workers, wait_until_ready
from deploy.local.settings import StackSettings
from mcr.core.logging import get_logger
from mcr.core.opensearch import connect as opensearch_client
from mcr.core.topic_reader import TopicReadError, read_topic
from producers.sdk import DeliveryReport, PublisherConfig
from producers.sdk.fleet import PublisherFleet
from schemas.codec import decode
from schemas.errors import DecodeError
from schemas.events import PERSON_ID_HEADER

__all__ = ["REGION_PEOPLE", "BackfillOptions", "run_backfill"]

REGION_PEOPLE = 1_100_000
"""The region the issue asks to load (people)."""
SAMPLED_DOCUMENTS = 20_000
"""About how many documents the checks look up (every document below that)."""
READ_TIMEOUT_S = 1800.0
log = get_logger(__name__)


@dataclass(frozen=True)
class BackfillOptions:
    """What to load, and how patient to be."""

    people: int = REGION_PEOPLE
    seed: int = 2026
    partitions: int = 4
    catch_up_timeout_s: float = 6 * 3600.0


def run_backfill(options: BackfillOptions, *, stack: StackSettings) -> dict[str, Any]:
    """Load ``options.people`` people end to end; returns the JSON-able report. Raises BenchError
    when no trustworthy number could be taken; the run's space is removed either way."""
    targets = Targets(stack.kafka_admin, stack.opensearch_user_url("mcr_projection"),
                      stack.identity_dsn, stack.consent_dsn, stack.operator_dsn)  # fmt: skip
    space = new_space(targets, partitions=options.partitions, organisations=region_organisations(),
                      streams_layout=STREAMS_LAYOUT)  # fmt: skip
    client = opensearch_client(
        targets.opensearch_url, timeout_s=120, ca_file=str(stack.opensearch_ca_file)
    )
    load = os.getloadavg()[0]
    log.info("bench backfill starting", people=options.people, alias=space.alias)
    try:
        with provisioned(space, client), tempfile.TemporaryDirectory(prefix="mcr-bench-") as tmp:
            tally, delivered, publish_s = _publish(space, options)
            # at least 50 events/s: only a stuck pipeline (a minute without progress) stops it
            timeout_s = max(options.catch_up_timeout_s, tally.events / 50)
            pipeline = _pipeline(space, client, Path(tmp), produced=tally.events,
                                 stack=stack, timeout_s=timeout_s)  # fmt: skip
            accounting = _account(space, client, published=tally.events, delivered=delivered)
    finally:
        client.close()
    return _report(options, tally, publish_s, pipeline, accounting, load=load, space=space)


def _publish(space: BenchSpace, options: BackfillOptions) -> tuple[Tally, int, float]:
    """Generate and publish the region; (tally, events delivered, seconds)."""
    tally = Tally()
    delivered = 0

    def counted(report: DeliveryReport) -> None:
        nonlocal delivered
        delivered += report.delivered

    started = time.monotonic()
    publisher = space.publisher_config(PublisherConfig.from_env())
    with PublisherFleet(publisher, on_delivery=counted) as producer:
        for event in region_stream(options.people, seed=options.seed, tally=tally):
            producer.publish(event)
            if tally.events % 100_000 == 0:
                log.info("bench backfill publishing", events=tally.events, people=tally.people)
        producer.flush(timeout=300)
    seconds = time.monotonic() - started
    log.info("bench backfill published", events=tally.events, elapsed_s=round(seconds, 1))
    return tally, delivered, seconds


@dataclass(frozen=True)
class _Pipeline:
    seconds: float
    ready_s: float
    snapshots: list[PipelineSnapshot]
    cpu_seconds: dict[str, float]


def _pipeline(
    space: BenchSpace,
    client: OpenSearch,
    folder: Path,
    *,
    produced: int,
    stack: StackSettings,
    timeout_s: float,
) -> _Pipeline:
    """Start the workers on the published region and wait until it is all searchable."""
    probe = OffsetProbe(space)
    started = time.monotonic()
    with running_workers(space, folder) as workers:
        ready_s = wait_until_ready(AdminClient(space.targets.kafka.config()), workers)
        meter = CpuMeter(cpu_components(workers, stack, space))
        meter.start()
        with Sampler(probe, since=started, interval_s=SAMPLE_INTERVAL_S) as sampler:
            final = wait_caught_up(space, probe, since=started, produced=produced,
                                   timeout_s=timeout_s)  # fmt: skip
        refresh(client, space.alias)
        seconds = time.monotonic() - started
        cpu = meter.stop()
    snapshots = sorted([*sampler.snapshots, final], key=lambda s: s.t)
    return _Pipeline(seconds, ready_s, snapshots, cpu)


@dataclass(frozen=True)
class _Accounting:
    ledger: Ledger
    held_by_reason: dict[str, int]
    purges: int
    unreadable: int
    missing_documents: int
    leaked_documents: int


def _account(
    space: BenchSpace, client: OpenSearch, *, published: int, delivered: int
) -> _Accounting:
    probe = OffsetProbe(space)
    linked, unreadable_linked = _ids(space, probe, space.linked_topic)
    shared, purges, unreadable_shared = _shared(space, probe)
    purged = removed_by_purges(_messages(space, probe, space.shared_topic), purges)
    mpi = mpi_state(space)
    forwarding = Forwarding(
        linked=linked, shared=shared, purged=purged,
        dead=dead_letters(_messages(space, probe, space.dlq_topic)), held=mpi.held,
    )  # fmt: skip
    every = max(1, published // SAMPLED_DOCUMENTS)
    ledger = Ledger(forwarding, sample_every=every)
    for topic in space.source_topics:
        for message in _messages(space, probe, topic):
            try:
                event = decode(message.value or b"").to_source_event()
            except DecodeError:
                continue  # not an event: the ledger counts it as not read back
            ledger.add(event, (topic, message.partition, message.offset))
    ledger.close(published=published, delivered=delivered)
    missing = missing_documents(client, space.alias, ledger.expected)
    leaked = visible_versions(client, space.alias, ledger.leak_candidates())
    return _Accounting(ledger, mpi.held_by_reason(), len(purges),
                       unreadable_linked + unreadable_shared, missing, len(leaked))  # fmt: skip


def _messages(space: BenchSpace, probe: OffsetProbe, topic: str) -> Iterator[LogMessage]:
    """Every message of the run's ``topic`` up to its end now, streamed (never a list)."""
    ends = {p: end for (_, p), end in probe.ends([(topic, p) for p in
                                                  range(space.partitions)]).items()}  # fmt: skip
    try:
        for m in read_topic(space.targets.kafka, topic, ends=ends, timeout_s=READ_TIMEOUT_S):
            yield LogMessage(m.key, m.value, m.headers, m.partition, m.offset)
    except TopicReadError as exc:
        raise BenchError(str(exc)) from exc


def _ids(space: BenchSpace, probe: OffsetProbe, topic: str) -> tuple[IdSet, int]:
    builder, unreadable = IdSetBuilder(), 0
    for message in _messages(space, probe, topic):
        found = event_id(message.value) if message.header(PERSON_ID_HEADER) else None
        if found is None:
            unreadable += 1
        else:
            builder.add(found)
    return builder.build(), unreadable


def _shared(space: BenchSpace, probe: OffsetProbe) -> tuple[IdSet, list[PurgeSeen], int]:
    builder, unreadable, split = IdSetBuilder(), 0, SharedSplit()
    for message in split.events(_messages(space, probe, space.shared_topic)):
        found = event_id(message.value) if message.header(PERSON_ID_HEADER) else None
        if found is None:
            unreadable += 1
        else:
            builder.add(found)
    return builder.build(), split.purges, unreadable + split.unreadable


def _report(
    options: BackfillOptions,
    tally: Tally,
    publish_s: float,
    pipeline: _Pipeline,
    accounting: _Accounting,
    *,
    load: float,
    space: BenchSpace,
) -> dict[str, Any]:
    ledger = accounting.ledger
    points = stage_points(pipeline.snapshots)
    stages = {name: profile_stage(series) for name, series in points.items() if name != "produce"}
    checked = {k: v for k, v in points.items() if k != "produce"}
    # the workers' start-up (process start, group join) is reported apart from the rate
    processing_s = pipeline.seconds - pipeline.ready_s
    rate = tally.events / processing_s if processing_s > 0 else 0.0
    wall = publish_s + pipeline.seconds
    scaled = tally.people < REGION_PEOPLE
    full_events = tally.events / tally.people * REGION_PEOPLE if tally.people else 0.0
    outcomes = ledger.by_outcome()
    return {
        "people": tally.people,
        "region_people": REGION_PEOPLE,
        "full_region": not scaled,
        "events": tally.events,
        "wall_s": round(wall, 1),
        "pipeline_events_per_s": round(rate, 1),
        "publish": {
            "seconds": round(publish_s, 1),
            "events_per_s": round(tally.events / publish_s, 1) if publish_s > 0 else None,
            "delivered": tally.events - ledger.unaccounted.get("not-delivered", 0),
            "events_by_type": dict(sorted(tally.by_type.items())),
        },
        "pipeline": {
            "seconds": round(pipeline.seconds, 1),
            "workers_ready_s": round(pipeline.ready_s, 1),
            "processing_s": round(processing_s, 1),
            "stages": {name: profile.to_json() for name, profile in stages.items()},
            "bottleneck_s": bottleneck_seconds(checked),
            "backlog_curve": backlog_curve(checked),
            "starvation": starvation(checked).to_json(),
        },
        "cpu": cpu_budget(pipeline.cpu_seconds, events=tally.events, cores=os.cpu_count() or 1),
        "accounting": {
            "events_by_outcome": outcomes,
            "accounted": sum(outcomes.values()) == tally.events
            and not ledger.unaccounted,
            "unaccounted_by_reason": dict(sorted(ledger.unaccounted.items())),
            "held_by_reason": dict(sorted(accounting.held_by_reason.items())),
            "kept_back_by_reason": ledger.kept_back_reasons(),
            "purges": accounting.purges,
            "unreadable_messages": accounting.unreadable,
            "documents_sampled_one_in": ledger.sample_every,
            "sampled_expected_documents": len(ledger.expected),
            "missing_documents": accounting.missing_documents,
            "sampled_leak_candidates": len(ledger.leak_candidates()),
            "leaked_documents": accounting.leaked_documents,
            "searchable_events": outcomes[SEARCHABLE],
            "purged_events": outcomes[PURGED],
        },
        "full_region_estimate": None if not scaled else {
            "note": f"measured with {tally.people:,} of {REGION_PEOPLE:,} people; the full "
            "region was not run: these are the measured rates applied to its size",
            "events": round(full_events),
            "publish_s": round(full_events / (tally.events / publish_s)) if publish_s else None,
            "pipeline_s": round(full_events / rate) if rate else None,
        },
        "config": {
            "run_tag": space.tag, "seed": options.seed, "partitions": options.partitions,
            "load_1m_at_start": round(load, 2), "commit_interval_s": space.commit_interval_s,
        },
    }  # fmt: skip
