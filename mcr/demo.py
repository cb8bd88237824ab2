"""``mcr demo up | status | down``: the pipeline running on the local stack with a demo region.

``up`` is what ``make run`` ends with: the stack, the pipeline topics, the identity and record
projection workers, a synthetic region published once (remembered in .run/demo), and a wait
until every stage has caught up, then a summary of what runs where.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from consumers.api.settings import ApiSettings
from consumers.report.settings import ReportSettings
from deploy.local import stack, workers
from deploy.local.principals import ensure_organisations
from deploy.local.settings import PROJECT_ROOT, StackSettings
from deploy.local.workers import WorkerSpec
from producers.simulator.region import REGION
from schemas.events import (
    IDENTITY_CHANGES_TOPIC,
    LINKED_TOPIC,
    PLANNING_TOPIC,
    SHARED_TOPIC,
    source_topic_pattern,
)

app = typer.Typer(help="The pipeline with a demo region on the local stack.", no_args_is_help=True)
console = Console()

STREAMS_GROUP = "mcr-streams"
RECORD_GROUP = "mcr-projection-record"
PLANNING_GROUP = "mcr-projection-planning"
#: Each process serves /metrics, /live and /ready on its own loopback port.
METRICS_PORTS = {"streams": 9464, "record": 9465, "api": 9466, "planning": 9467}


def _metrics_env(name: str) -> dict[str, str]:
    return {"MCR_METRICS_PORT": str(METRICS_PORTS[name])}


WORKERS = [
    WorkerSpec("streams", ("streams", "worker"), _metrics_env("streams")),
    WorkerSpec("record", ("record", "run"), _metrics_env("record")),
    WorkerSpec("planning", ("planning", "run"), _metrics_env("planning")),
    WorkerSpec("api", ("api", "serve"), _metrics_env("api")),
]


@dataclass(frozen=True)
class Stage:
    """A consumer group and the topics it must have caught up with."""

    name: str
    group: str
    topics: tuple[str, ...]
    """Topic names, or (identity) empty: every source topic on the cluster."""


STAGES = (
    Stage("identity", STREAMS_GROUP, ()),
    Stage("consent", STREAMS_GROUP, (LINKED_TOPIC, IDENTITY_CHANGES_TOPIC)),
    Stage("record", RECORD_GROUP, (SHARED_TOPIC, IDENTITY_CHANGES_TOPIC)),
    Stage("planning", PLANNING_GROUP, (PLANNING_TOPIC,)),
)


def _load_region(settings: StackSettings, *, people: int, seed: int) -> bool:
    """Publish the demo region once per (people, seed); returns True when it published now."""
    marker = settings.service_dir("demo") / "loaded.json"
    wanted = {"people": people, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return False
    console.print(f"publishing a demo region of {people} people (seed {seed})...")
    command = [
        sys.executable,
        "-m",
        "mcr",
        "simulate",
        "--people",
        str(people),
        "--seed",
        str(seed),
    ]
    result = subprocess.run(command, cwd=PROJECT_ROOT, check=False)
    if result.returncode != 0:
        raise typer.Exit(result.returncode)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(wanted))
    return True


def _lags(settings: StackSettings) -> dict[str, int]:
    from confluent_kafka.admin import AdminClient  # noqa: PLC0415 - keeps `mcr --help` fast

    from consumers.ops.lag import group_lag  # noqa: PLC0415

    admin = AdminClient(settings.kafka_admin.config())
    pattern = re.compile(source_topic_pattern())
    sources = tuple(t for t in admin.list_topics(timeout=10).topics if pattern.fullmatch(t))
    return {s.name: group_lag(admin, group=s.group, topics=s.topics or sources) for s in STAGES}


def _wait_caught_up(settings: StackSettings, timeout_s: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout_s
    with console.status("waiting for identity and projection to catch up...") as status:
        while True:
            lags = _lags(settings)
            status.update(f"waiting for the pipeline to catch up: {lags}")
            if not any(lags.values()) or time.monotonic() > deadline:
                return lags
            for row in workers.status(settings, WORKERS):
                if row.pid is None:
                    console.print(f"[red]worker {row.name} stopped[/]: see {row.log_file}")
                    raise typer.Exit(1)
            time.sleep(2)


def _record_counts(settings: StackSettings) -> dict[str, int]:
    from mcr.core.opensearch import connect  # noqa: PLC0415 (opensearch-py stays lazy)

    client = connect(
        settings.opensearch_user_url("mcr_operator"), ca_file=str(settings.opensearch_ca_file)
    )
    body = {"size": 0, "aggs": {"kinds": {"terms": {"field": "doc_kind", "size": 20}}}}
    try:
        answer = client.search(index="record", body=body)
    finally:
        client.close()
    return {b["key"]: b["doc_count"] for b in answer["aggregations"]["kinds"]["buckets"]}


#: The demo GP (``demo-gp`` in the local realm) works at this practice.
DEMO_GP_PRACTICE = "E81001"


def _example_numbers(settings: StackSettings, count: int = 3) -> str:
    """NHS numbers (synthetic, 999 test range) of patients the demo GP's practice holds a
    record for, so that signing in as the GP opens them without breaking the glass."""
    from mcr.core.opensearch import connect  # noqa: PLC0415 (opensearch-py stays lazy)

    client = connect(
        settings.opensearch_user_url("mcr_operator"), ca_file=str(settings.opensearch_ca_file)
    )
    query = {"bool": {"filter": [{"term": {"doc_kind": "patient"}},
             {"term": {"org": DEMO_GP_PRACTICE}}, {"term": {"deleted": False}},
             {"exists": {"field": "patient.nhs_number"}}]}}  # fmt: skip
    body = {"size": count, "query": query, "_source": ["patient.nhs_number"],
            "sort": [{"source_record_id": "asc"}]}  # fmt: skip
    try:
        hits = client.search(index="record", body=body)["hits"]["hits"]
    finally:
        client.close()
    return ", ".join(str(hit["_source"]["patient"]["nhs_number"]) for hit in hits)


def _summary(settings: StackSettings, lags: dict[str, int]) -> None:
    table = Table(title="My Care Record demo")
    for column in ("what", "where", "state"):
        table.add_column(column, overflow="fold")
    table.add_row("Kafka", settings.kafka_bootstrap, "up")
    table.add_row("OpenSearch (alias 'record')", settings.opensearch_address, "up")
    where = f"{settings.host}:{settings.postgres_port}/mcr, a role per component"
    table.add_row("PostgreSQL (MPI schema 'mpi')", where, "up")
    for row in workers.status(settings, WORKERS):
        table.add_row(f"worker {row.name}", str(row.log_file), f"{row.state} pid {row.pid}")
    for name, lag in lags.items():
        table.add_row(f"stage {name}", "consumer lag", "caught up" if lag == 0 else f"{lag} behind")
    console.print(table)
    counts = _record_counts(settings)
    console.print(
        "searchable documents by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    console.print(
        "look at it:\n"
        f"  clinician viewer: {ApiSettings.from_env().viewer_url}   (API: docs/api.md)\n"
        "    sign in as demo-gp (a GP at E81001), demo-hospital-doctor (RC9) or demo-ig-officer\n"
        "    (information governance) or demo-planner (the planners' report, no records);\n"
        "    password mcr-demo-only (synthetic users: docs/auth.md)\n"
        f"    the GP's patients (synthetic NHS numbers): {_example_numbers(settings)}\n"
        f"  curl -s --cacert {settings.opensearch_ca_file} "
        f"-u mcr_operator:$(cat {settings.opensearch_password_file('mcr_operator')}) "
        f"'{settings.opensearch_address}/record/_search?q=record_type:result&size=2&pretty'\n"
        "  .venv/bin/mcr identity review list      # records waiting for a human decision\n"
        "  .venv/bin/mcr demo status               # workers and consumer lag\n"
        "  .venv/bin/mcr status                    # every stage's state, dead letters, stores\n"
        f"  curl -s http://127.0.0.1:{METRICS_PORTS['streams']}/metrics   # Prometheus metrics"
        f" (record :{METRICS_PORTS['record']}, planning :{METRICS_PORTS['planning']},"
        f" api :{METRICS_PORTS['api']})\n"
        "stop with: make down"
    )


@app.command()
def up(
    people: int = typer.Option(2000, "--people", help="People in the demo region."),
    seed: int = typer.Option(2026, "--seed", help="Seed of the demo region."),
    timeout_s: float = typer.Option(900, "--timeout", help="Seconds to wait for catch-up."),
) -> None:
    """Start stack, topics and workers, publish the demo region once, wait until searchable."""
    settings = StackSettings.from_env()
    stack.up(settings)
    # The local stand-in for the organisation registry: each organisation of the demo region
    # gets its source topic, its principal and its password file (the simulator uses them).
    ensure_organisations(settings.kafka_admin, [org.code for org in REGION.organisations])
    workers.start(settings, WORKERS)
    _load_region(settings, people=people, seed=seed)
    lags = _wait_caught_up(settings, timeout_s)
    _planning_report()
    _summary(settings, lags)


def _planning_report() -> None:
    """The planners' report of what the planning store holds now (served to demo-planner)."""
    from consumers.report.build import make_report, update_latest  # noqa: PLC0415 (matplotlib)
    from consumers.report.workforce import load_assumptions  # noqa: PLC0415

    report = ReportSettings.from_env()
    folder = report.report_dir / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dsn = report.postgres_dsn.get_secret_value()
    make_report(dsn=dsn, schema=report.schema_name, out=folder, first=None, last="9999-W99",
                assumptions=load_assumptions())  # fmt: skip
    update_latest(report.report_dir, folder)
    console.print(f"planners' report: {folder / 'index.html'} (docs/planning.md)")


@app.command()
def status(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Workers and how far behind each stage is."""
    settings = StackSettings.from_env()
    rows, lags = workers.status(settings, WORKERS), _lags(settings)
    if as_json:
        typer.echo(json.dumps({
            "workers": [{"name": r.name, "state": r.state, "pid": r.pid,
                         "log_file": str(r.log_file)} for r in rows],
            "lags": lags,
        }))  # fmt: skip
        return
    for row in rows:
        console.print(f"worker {row.name}: {row.state} (log {row.log_file})")
    for name, lag in lags.items():
        console.print(f"stage {name}: {lag} messages behind")


@app.command()
def down() -> None:
    """Stop the workers (the stack keeps running; `mcr stack down` stops it)."""
    workers.stop(StackSettings.from_env(), WORKERS)
    console.print("workers stopped")
