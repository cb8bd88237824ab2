"""``mcr projection record run``: the record projection worker as a command."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from mcr.core.settings import replace
from projections.record.runner import RecordWorker
from projections.record.settings import RecordSettings

__all__ = ["app"]

app = typer.Typer(
    help="The consolidated record projection (Kafka -> OpenSearch).", no_args_is_help=True
)


@app.callback()
def _group() -> None:
    """Record projection commands."""


@app.command()
def run(
    source_topic: str | None = typer.Option(
        None,
        "--source-topic",
        help="Topic to project (default mcr.shared, the consent stage's output).",
    ),
    group: str | None = typer.Option(None, "--group", help="Consumer group id."),
    alias: str | None = typer.Option(None, "--alias", help="Read alias and index name prefix."),
) -> None:
    """Run the worker until SIGINT or SIGTERM; pending writes are settled before it exits."""
    settings = RecordSettings.from_env()
    if source_topic:
        settings = replace(settings, source_topic=source_topic)
    if group:
        settings = replace(settings, group_id=group)
    if alias:
        settings = replace(settings, alias=alias)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stats = RecordWorker(settings, stop=stop).run()
    typer.echo(
        f"handled {stats.handled}, written {stats.written}, conflicts {stats.conflicts}, "
        f"dead letters {stats.dead_letters}, purged {stats.purged}"
    )
