"""``mcr replay`` and ``mcr rebuild``: the ops commands, mounted by the ``mcr`` command with
``app.add_typer(consumers.ops.cli.app)``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from confluent_kafka.admin import AdminClient
from rich.console import Console
from rich.table import Table

from consumers.ops.errors import OpsError, ReplayRefusedError
from consumers.ops.offsets import OffsetChange, parse_timestamp
from consumers.ops.rebuild import rebuild_record
from consumers.ops.rebuild_planning import rebuild_planning
from consumers.ops.replay import active_members, follow_replay, replay_group
from mcr.core.kafka_acls import OPS
from mcr.core.progress import RichProgress
from mcr.core.settings import replace
from projections.planning.settings import PlanningStoreSettings
from projections.record.indices import drop_old_versions
from projections.record.settings import RecordSettings
from projections.record.writer import connect

__all__ = ["app", "rebuild_app"]

app = typer.Typer(help="Operations: replay consumer groups, rebuild projections.")
rebuild_app = typer.Typer(help="Rebuild a projection from the log into a new index version.")
app.add_typer(rebuild_app, name="rebuild")
console = Console()


def _changes_table(group: str, changes: list[OffsetChange], *, dry_run: bool) -> Table:
    title = f"{'Would move' if dry_run else 'Moved'} offsets of group {group}"
    table = Table(title=title)
    for column in ("topic", "partition", "committed", "target", "re-read"):
        table.add_column(column, justify="left" if column == "topic" else "right")
    for change in changes:
        current = "-" if change.current is None else str(change.current)
        replayed = "-" if change.replayed is None else f"{change.replayed:,}"
        table.add_row(change.topic, str(change.partition), current, str(change.target), replayed)
    return table


@app.command()
def replay(
    *,
    group: str = typer.Option(..., "--group", help="Consumer group whose offsets move."),
    to_timestamp: str | None = typer.Option(
        None, "--to-timestamp", help="ISO 8601 time (2024-03-01T09:00:00Z) or epoch ms."
    ),
    to_earliest: bool = typer.Option(False, "--to-earliest", help="Back to the first offsets."),
    topic: Annotated[
        list[str] | None, typer.Option("--topic", help="Topics to move (default: committed).")
    ] = None,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan, change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan or result as JSON."),
    follow: bool = typer.Option(
        False, "--follow", help="Then show a bar until the group re-consumed to today's ends."
    ),
    follow_timeout: float | None = typer.Option(
        None, "--follow-timeout", min=0, help="Stop following after this many seconds (exit 1)."
    ),
) -> None:
    """Move a consumer group's committed offsets; refuses while the group has active members.
    With --follow, waits (a bar on stderr: rate, time left) while the group's workers, started
    by you, re-consume up to the ends seen at the reset."""
    if to_earliest == (to_timestamp is not None):
        raise typer.BadParameter("give exactly one of --to-timestamp or --to-earliest")
    if follow and dry_run:
        raise typer.BadParameter("a dry run moves nothing to follow", param_hint="--follow")
    try:
        timestamp = None if to_timestamp is None else parse_timestamp(to_timestamp)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to-timestamp") from exc
    admin = AdminClient(RecordSettings.from_env().kafka.resolve(OPS).config())
    try:
        changes = replay_group(admin, group=group, topics=topic or [], to_timestamp_ms=timestamp,
                               dry_run=dry_run)  # fmt: skip
    except ReplayRefusedError as exc:
        console.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(1) from exc
    except OpsError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    active = dry_run and active_members(admin, group) > 0
    if not as_json:
        console.print(_changes_table(group, changes, dry_run=dry_run))
    caught_up = _follow(admin, group, changes, follow_timeout) if follow else None
    if as_json:
        typer.echo(json.dumps({
            "group": group, "dry_run": dry_run, "refused_while_active": active,
            "changes": [{"topic": c.topic, "partition": c.partition, "committed": c.current,
                         "target": c.target, "replayed": c.replayed} for c in changes],
            **({} if caught_up is None else {"caught_up": caught_up}),
        }))  # fmt: skip
    elif active:
        console.print("[yellow]note:[/yellow] the group has active members; a real run is refused")
    if caught_up is False:
        raise typer.Exit(1)


def _follow(
    admin: AdminClient, group: str, changes: list[OffsetChange], timeout_s: float | None
) -> bool:
    """Follow the replay with a bar on stderr; says on stderr when it gave up."""
    errors = Console(stderr=True)
    errors.print(f"following {group}: start its workers to re-consume (Ctrl-C stops following)")
    with RichProgress(errors, unit="msg") as progress:
        done = follow_replay(admin, group=group, changes=changes, progress=progress,
                             timeout_s=timeout_s)  # fmt: skip
    if not done:
        errors.print(f"[yellow]not re-consumed after {timeout_s:g} s[/yellow] (offsets stay moved)")
    return done


def _settings(alias: str | None, source_topic: str | None) -> RecordSettings:
    """The record's settings on the operators' OpenSearch user (rebuild, drop-old)."""
    settings = RecordSettings.from_env().for_operators()
    if alias:
        settings = replace(settings, alias=alias)
    if source_topic:
        settings = replace(settings, source_topic=source_topic)
    return settings


@rebuild_app.command("record")
def rebuild_record_command(
    alias: str | None = typer.Option(None, "--alias", help="Alias (and index prefix)."),
    source_topic: str | None = typer.Option(None, "--source-topic", help="Topic to rebuild from."),
    drop_old: bool = typer.Option(False, "--drop-old", help="Delete the old index after the swap."),
) -> None:
    """Rebuild the record index from the log while the old one serves, then swap the alias."""
    settings = _settings(alias, source_topic)
    try:
        with RichProgress(console) as progress:
            result = rebuild_record(settings, progress=progress, drop_old=drop_old)
    except OpsError as exc:
        console.print(f"[red]rebuild failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(
        f"alias [bold]{settings.alias}[/bold] -> {result.index} ({result.events:,} events, "
        f"{result.rounds} rounds, {result.duration_s:.1f} s); previous: "
        f"{', '.join(result.previous) or 'none'}; dropped: {', '.join(result.dropped) or 'none'}"
    )


@rebuild_app.command("planning")
def rebuild_planning_command(
    keep_old: bool = typer.Option(False, "--keep-old", help="Keep the old schema after the swap."),
) -> None:
    """Rebuild the planning store from mcr.planning into a new schema, then swap it in."""
    settings = PlanningStoreSettings.from_env()
    result = rebuild_planning(settings, keep_old=keep_old)
    console.print(
        f"schema [bold]{result.schema}[/bold] rebuilt ({result.events:,} messages, "
        f"{result.duration_s:.1f} s); previous kept: {result.previous or 'none'}"
    )


@rebuild_app.command("drop-old")
def drop_old_command(
    alias: str | None = typer.Option(None, "--alias", help="Alias (and index prefix)."),
) -> None:
    """Delete every index version the alias no longer points at."""
    settings = _settings(alias, None)
    dropped = drop_old_versions(
        connect(settings.opensearch_url.get_secret_value(), ca_file=settings.opensearch_ca_file),
        settings.alias,
    )
    console.print(f"dropped: {', '.join(dropped) or 'nothing'}")
