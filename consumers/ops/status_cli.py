"""``mcr status``: every stage's lag and rate, dead letters by stage and reason, the identity
review queue and the stores' health; ``--json``; exit 1 when something is down or stuck."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from consumers.ops.dlq_cli import LOG_TOPIC
from consumers.ops.pipeline_stages import pipeline_stages
from consumers.ops.status import PipelineStatus
from consumers.ops.status_probe import StatusTargets, collect_status
from mcr.core.kafka_acls import OPS
from mcr.core.settings import SettingsError
from projections.planning.settings import PlanningStoreSettings
from projections.record.settings import RecordSettings
from streams.identity.settings import ReviewSettings
from streams.settings import WorkerSettings

__all__ = ["status"]

console = Console()


def _targets(
    workers: WorkerSettings, record: RecordSettings, review: ReviewSettings
) -> StatusTargets:
    operators = record.for_operators()  # the operators' OpenSearch user when one is set
    return StatusTargets(
        kafka=record.kafka.resolve(OPS),
        opensearch_url=operators.opensearch_url.get_secret_value(),
        opensearch_ca_file=record.opensearch_ca_file,
        postgres_dsn=review.operator_dsn.get_secret_value(),
        identity_schema=review.schema_name,
        record_alias=record.alias,
        dlq_topic=workers.identity.dlq_topic,
        redrive_log_topic=LOG_TOPIC,
    )


def _print(found: PipelineStatus) -> None:
    stages = Table(title="Stages")
    for column in ("stage", "group", "state", "waiting", "committed/s", "members"):
        stages.add_column(column, justify="left" if column in {"stage", "group", "state"}
                          else "right")  # fmt: skip
    for s in found.stages:
        colour = {"down": "red", "stuck": "red", "working": "yellow"}.get(s.state.value, "green")
        stages.add_row(s.name, s.group, f"[{colour}]{s.state.value}[/]", f"{s.lag:,}",
                       f"{s.rate_per_s:,.1f}", str(s.members))  # fmt: skip
    stores = Table(title="Stores")
    for column in ("store", "ok", "detail"):
        stores.add_column(column)
    for store in found.stores:
        stores.add_row(store.name, "[green]yes[/]" if store.ok else "[red]no[/]", store.detail)
    console.print(stages, stores)
    letters = Table(title="Dead letters")
    for column in ("stage", "reason", "count", "re-driven"):
        letters.add_column(column, justify="right" if column in {"count", "re-driven"} else "left")
    for row in found.dead_letters:
        letters.add_row(str(row["stage"]), str(row["reason"]), f"{row['count']:,}",
                        f"{row['redriven']:,}")  # fmt: skip
    console.print(letters if found.dead_letters else "Dead letters: none")
    console.print(f"Identity reviews pending: {_count(found.reviews_pending)}; "
                  f"events held for review: {_count(found.held_events)}")  # fmt: skip
    for problem in found.problems:
        console.print(f"[red]problem:[/] {problem}")
    console.print("[green]healthy[/]" if found.healthy else "[red]not healthy[/]")


def _count(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def status(
    interval: float = typer.Option(
        5.0, "--interval", min=1.0, help="Seconds between the two looks at each stage."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """The pipeline at a glance: each stage's waiting messages, rate and state (down, stuck,
    working, caught-up), dead letters by stage and reason, identity reviews, stores' health.
    Exit 1 when a store is down or a stage is down or stuck."""
    try:
        workers, record = WorkerSettings.from_env(), RecordSettings.from_env()
        review, planning = ReviewSettings.from_env(), PlanningStoreSettings.from_env()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    stages = pipeline_stages(workers, record, planning)
    found = collect_status(_targets(workers, record, review), stages, interval_s=interval)
    if as_json:
        typer.echo(json.dumps(found.as_json()))
    else:
        _print(found)
    if not found.healthy:
        raise typer.Exit(1)
