"""``mcr demo up | status | down``: the pipeline running on the local stack with a demo region.

``up`` is what ``make run`` ends with: the stack, the pipeline topics, the workers (two streams
processes, ``streams-identity`` and ``streams-linked``: consent with de-identification; the
record projection, the planning store and the query service), a synthetic region published
once (remembered in .run/demo), and a wait until every stage has caught up, then a summary of
what runs where.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from consumers.api.settings import ApiSettings
from consumers.ops.pipeline_stages import pipeline_stages
from consumers.report.settings import ReportSettings
from deploy.local import stack, workers
from deploy.local.principals import ensure_organisations
from deploy.local.settings import PROJECT_ROOT, StackSettings
from deploy.local.workers import WorkerSpec
from producers.simulator.region import REGION
from projections.planning.settings import PlanningStoreSettings
from projections.record.settings import RecordSettings
from streams.settings import WorkerSettings

app = typer.Typer(help="The pipeline with a demo region on the local stack.", no_args_is_help=True)
console = Console()

#: Each process serves /metrics, /live and /ready on its own loopback port: the stack's
#: ``demo_metrics_port`` (MCR_DEMO_METRICS_PORT, 9464) plus its offset.
METRICS_OFFSETS = {"streams-identity": 0, "record": 1, "api": 2, "planning": 3, "streams-linked": 4}

#: The streams stages run as two processes (streams/stages.py): identity, and the two stages
#: that read mcr.linked (consent and de-identification), so that a backlog in one cannot
#: starve the other and the two use separate cores.
_COMMANDS = {
    "streams-identity": ("streams", "worker", "--stage", "identity"),
    "streams-linked": ("streams", "worker", "--stage", "linked"),
    "record": ("record", "run"),
    "planning": ("planning", "run"),
    "api": ("api", "serve"),
}

#: The one streams worker (every stage, group ``mcr-streams``) of earlier versions of the
#: demo: stopped by ``up`` and ``down`` so that it never runs beside the split workers.
LEGACY_WORKERS = [WorkerSpec("streams", ("streams", "worker"))]


def metrics_ports(settings: StackSettings) -> dict[str, int]:
    """Each demo worker's metrics port."""
    return {name: settings.demo_metrics_port + n for name, n in METRICS_OFFSETS.items()}


def worker_specs(settings: StackSettings) -> list[WorkerSpec]:
    """The demo's pipeline processes, in the order they start."""
    ports = metrics_ports(settings)
    return [
        WorkerSpec(name, args, {"MCR_METRICS_PORT": str(ports[name])})
        for name, args in _COMMANDS.items()
    ]


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
    """Messages each stage has yet to commit, by the groups ``mcr status`` watches."""
    from confluent_kafka.admin import AdminClient  # noqa: PLC0415 - keeps `mcr --help` fast

    from consumers.ops.lag import group_lag  # noqa: PLC0415

    stages = pipeline_stages(WorkerSettings.from_env(), RecordSettings.from_env(),
                             PlanningStoreSettings.from_env())  # fmt: skip
    admin = AdminClient(settings.kafka_admin.config())
    topics = tuple(admin.list_topics(timeout=10).topics)
    return {s.name: group_lag(admin, group=s.group, topics=[t for t in topics if s.takes(t)])
            for s in stages}  # fmt: skip


def _wait_caught_up(settings: StackSettings, timeout_s: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout_s
    with console.status("waiting for identity and projection to catch up...") as status:
        while True:
            lags = _lags(settings)
            status.update(f"waiting for the pipeline to catch up: {lags}")
            if not any(lags.values()) or time.monotonic() > deadline:
                return lags
            for row in workers.status(settings, worker_specs(settings)):
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
    for row in workers.status(settings, worker_specs(settings)):
        table.add_row(f"worker {row.name}", str(row.log_file), f"{row.state} pid {row.pid}")
    for name, lag in lags.items():
        table.add_row(f"stage {name}", "consumer lag", "caught up" if lag == 0 else f"{lag} behind")
    console.print(table)
    counts = _record_counts(settings)
    ports = metrics_ports(settings)
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
        f"  curl -s http://127.0.0.1:{ports['streams-identity']}/metrics   # Prometheus metrics"
        f" (streams-linked :{ports['streams-linked']}, record :{ports['record']},"
        f" planning :{ports['planning']}, api :{ports['api']})\n"
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
    workers.stop(settings, LEGACY_WORKERS)
    workers.start(settings, worker_specs(settings))
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
    rows, lags = workers.status(settings, worker_specs(settings)), _lags(settings)
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
    settings = StackSettings.from_env()
    workers.stop(settings, [*worker_specs(settings), *LEGACY_WORKERS])
    console.print("workers stopped")
