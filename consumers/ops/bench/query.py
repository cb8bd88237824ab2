"""``mcr bench query``: record fetches through the real query service while ingest runs.

1. A throwaway space (topics, MPI and consent schema, groups, alias: the e2e bench's), its
   streams and record workers, and ``events`` synthetic events published and caught up.
2. The query service (``mcr api serve``, its own process) on that alias and consent schema,
   with its own audit schema: every request validates a real bearer token (the demo GP's,
   from the local Keycloak), checks access and consent at read, and writes its signed audit
   row before answering.
3. While ``mcr simulate`` (its own process) publishes another region at ``ingest_rate``
   events/s and the pipeline ingests it, after ``warmup_s`` of unmeasured requests, requests
   about the GP's own patients go out at ``rate`` per second for ``seconds`` (open loop: see
   :mod:`.query_load`): the viewer's record, a FHIR Observation search page and a FHIR
   ``$everything`` page, in turn.

Last line of the CLI: ``requests``, ``p50_ms``, ``p99_ms`` (plus statuses, p90, max, rates, and
the same percentiles ``by_kind``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch

from consumers.ops.bench.cpu import CpuMeter, process
from consumers.ops.bench.errors import BenchError
from consumers.ops.bench.events import region_events
from consumers.ops.bench.probe import OffsetProbe
from consumers.ops.bench.provision import provisioned
from consumers.ops.bench.query_load import run_query_load
from consumers.ops.bench.runner import cpu_components
from consumers.ops.bench.space import STREAMS_LAYOUT, BenchSpace, Targets, new_space
from consumers.ops.bench.throughput import wait_caught_up
from consumers.ops.bench.workers import running_workers, stop_process, wait_until_ready
from deploy.local.settings import StackSettings
from mcr.core.logging import get_logger
from mcr.core.opensearch import connect as opensearch_client
from mcr.core.priority import PrioritySettings
from producers.sdk import PublisherConfig
from producers.sdk.fleet import PublisherFleet
from producers.simulator.region import REGION
from schemas.events import SourceEvent

__all__ = ["QueryOptions", "run_query_bench"]

log = get_logger(__name__)
#: The organisation whose GP signs in (demo-gp in the local realm).
GP_ORG = "E81001"


@dataclass(frozen=True)
class QueryOptions:
    """Sizes and rates of one run."""

    events: int = 20_000
    rate: float = 50.0
    seconds: float = 30.0
    #: Ingest meanwhile: about 40 times the region's average (100,000 events a day; docs/
    #: operations.md), on the same two cores as the service, Kafka, OpenSearch and PostgreSQL.
    ingest_rate: float = 50.0
    warmup_s: float = 5.0
    """Requests sent first and not measured: a deployed service has run for days, its
    connection pools full, its caches and the stores' JIT warm."""
    seed: int = 2026
    catch_up_timeout_s: float = 600.0


@contextmanager
def _ingesting(space: BenchSpace, *, rate: float, seed: int) -> Iterator[int]:
    """``mcr simulate`` publishing another region into the space at ``rate`` events/s, in its
    own process, for the block (more than enough people for it to outlast the block)."""
    env = space.identity_env(dict(os.environ))
    # The simulator stands for source systems on other machines: it gives way like ingest does.
    niceness = str(PrioritySettings.from_env().background_niceness)
    command = ["nice", "-n", niceness, sys.executable, "-m", "mcr", "simulate", "--people",
               "100000", "--seed", str(seed), "--rate", str(rate)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield process.pid
    finally:
        stop_process(process, timeout_s=30)


def _wait_ingest_started(probe: OffsetProbe, before: int, timeout_s: float = 60.0) -> None:
    """Until the ingest process has written its first events (its start-up, one producer per
    organisation, each with its TLS and SCRAM handshake, must not eat the measured window)."""
    deadline = time.monotonic() + timeout_s
    while probe.snapshot(0.0).identity.written <= before:
        if time.monotonic() > deadline:
            raise BenchError(f"the ingest wrote nothing in {timeout_s:.0f} s")
        time.sleep(0.2)


def _gp_patients(client: OpenSearch, alias: str, limit: int = 200) -> list[str]:
    """Person ids with a patient record at :data:`GP_ORG` (the GP's own patients)."""
    client.indices.refresh(index=alias)
    body = {"size": 0, "query": {"bool": {"filter": [
        {"term": {"doc_kind": "patient"}}, {"term": {"org": GP_ORG}},
        {"term": {"deleted": False}}]}},
        "aggs": {"persons": {"terms": {"field": "person_id", "size": limit}}}}  # fmt: skip
    found = client.search(index=alias, body=body)["aggregations"]["persons"]["buckets"]
    return [bucket["key"] for bucket in found]


def request_paths(persons: Sequence[str]) -> list[tuple[str, str]]:
    """What the clinicians and other systems ask, in turn for each person: the viewer's record,
    a page of a FHIR search and a page of FHIR ``$everything``. Pure."""
    return [
        path
        for p in persons
        for path in (
            ("record", f"/api/persons/{p}/record"),
            ("fhir_search", f"/fhir/R4/Observation?patient=Patient/{p}&_count=20"),
            ("fhir_everything", f"/fhir/R4/Patient/{p}/$everything?_count=20"),
        )
    ]


def _load_region(space: BenchSpace, events: Sequence[SourceEvent], timeout_s: float) -> None:
    config = space.publisher_config(PublisherConfig.from_env())
    with PublisherFleet(config) as producer:
        for event in events:
            producer.publish(event)
    probe = OffsetProbe(space, AdminClient(space.targets.kafka.config()))
    wait_caught_up(space, probe, since=time.monotonic(), produced=len(events), timeout_s=timeout_s)


def run_query_bench(
    options: QueryOptions,
    *,
    stack: StackSettings,
    serve: Callable[[BenchSpace, str], tuple[str, Callable[[], None], int]],
    token: Callable[[], str],
) -> dict[str, Any]:
    """Run the bench; ``serve(space, audit_schema)`` starts the query service on the space
    and returns its URL, a stop function and its pid; ``token()`` gives the GP's bearer
    token."""
    targets = Targets(stack.kafka_admin, stack.opensearch_user_url("mcr_projection"),
                      stack.identity_dsn, stack.consent_dsn, stack.operator_dsn)  # fmt: skip
    region = region_events(options.events, seed=options.seed)
    space = new_space(targets, partitions=2, organisations=[o.code for o in REGION.organisations],
                      streams_layout=STREAMS_LAYOUT)  # fmt: skip
    audit_schema = f"{space.schema}_audit"
    client = opensearch_client(
        targets.opensearch_url, timeout_s=60, ca_file=str(stack.opensearch_ca_file)
    )
    try:
        with (
            provisioned(space, client),
            tempfile.TemporaryDirectory(prefix="mcr-bench-") as tmp,
            running_workers(space, Path(tmp)) as workers,
        ):
            wait_until_ready(AdminClient(targets.kafka.config()), workers)
            _load_region(space, region.events, options.catch_up_timeout_s)
            persons = _gp_patients(client, space.alias)
            if not persons:
                raise BenchError(f"no patient of {GP_ORG} in the loaded region: load more events")
            url, stop, pid = serve(space, audit_schema)
            probe = OffsetProbe(space, AdminClient(targets.kafka.config()))
            before = probe.snapshot(0.0).identity.written
            try:
                with _ingesting(space, rate=options.ingest_rate, seed=options.seed + 1) as sim:
                    _wait_ingest_started(probe, before)
                    before = probe.snapshot(0.0).identity.written
                    ours = {"service": process(pid), "simulator": process(sim)}
                    cpu = CpuMeter({**cpu_components(workers, stack, space), **ours})
                    load = partial(
                        run_query_load, base_url=url, paths=request_paths(persons),
                        headers={"Authorization": f"Bearer {token()}",
                                 "X-MCR-Purpose": "direct-care", "Accept": "application/json"},
                        rate=options.rate,
                    )  # fmt: skip
                    load(duration_s=options.warmup_s)
                    before = probe.snapshot(0.0).identity.written
                    cpu.start()
                    result = load(duration_s=options.seconds)
                    cpu_s = cpu.stop()
                ingested = probe.snapshot(0.0).identity.written - before
            finally:
                stop()
    finally:
        with psycopg.connect(stack.role_dsn("mcr_audit_owner"), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{audit_schema}" CASCADE')
        client.close()
    requests = max(result.requests, 1)
    return {
        **result.to_json(),
        # CPU is what a noisy shared machine cannot blur: compare it between runs and builds
        "service_cpu_ms_per_request": round(cpu_s.get("service", 0.0) * 1000 / requests, 2),
        # and who else was on the CPU meanwhile (ingest workers, stores, this load generator)
        "cpu_ms_per_request": {name: round(s * 1000 / requests, 2) for name, s in cpu_s.items()},
        "persons": len(persons),
        "rate": options.rate,
        "seconds": options.seconds,
        "ingest_rate": options.ingest_rate,
        "ingested_meanwhile": ingested,
        "region_events": options.events,
        "cpus": os.cpu_count() or 1,
        "background_niceness": PrioritySettings.from_env().background_niceness,
    }
