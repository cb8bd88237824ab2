"""``mcr stack up | down | status``."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from deploy.local import stack
from deploy.local.errors import StackError
from deploy.local.service import ServiceStatus
from deploy.local.settings import StackSettings

app = typer.Typer(
    help="Start, stop and inspect the local Kafka, OpenSearch, PostgreSQL and Keycloak.",
    no_args_is_help=True,
)
console = Console()


def _table(rows: list[ServiceStatus]) -> Table:
    table = Table(title="My Care Record local stack")
    for column in ("service", "state", "port", "pid", "detail"):
        table.add_column(column, overflow="fold")
    colours = {"up": "green", "starting": "yellow", "down": "red"}
    for row in rows:
        state = f"[{colours[row.state]}]{row.state}[/]"
        table.add_row(row.name, state, str(row.port), str(row.pid or "-"), row.detail)
    return table


@app.command()
def up() -> None:
    """Start every service that is not already up and wait until each answers."""
    settings = StackSettings.from_env()
    try:
        rows = stack.up(settings)
    except StackError as exc:
        console.print(f"[red]stack failed to start:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(_table(rows))
    console.print(f"data and logs under {settings.run_dir}")


@app.command()
def status(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show each service, its port, pid and health; exit 1 if any is not up."""
    rows = stack.status(StackSettings.from_env())
    if as_json:
        typer.echo(json.dumps({"healthy": all(row.healthy for row in rows),
                               "services": [row.as_json() for row in rows]}))  # fmt: skip
    else:
        console.print(_table(rows))
    if not all(row.healthy for row in rows):
        raise typer.Exit(1)


@app.command()
def down() -> None:
    """Stop every service (data is kept under .run/)."""
    settings = StackSettings.from_env()
    stack.down(settings)
    console.print("stack stopped")
