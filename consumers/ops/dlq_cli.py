"""``mcr dlq list | show | redrive``: what failed where and why, and sending it back once.

Output names positions, stages, reasons, topics and counts, never a message's content (it may
hold patient data): ``show`` gives the original headers' names and the value's size only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from consumers.ops.dead_letters import Letter, Selection, select, summarise
from consumers.ops.dlq import read_letters, read_redriven, redrive
from consumers.ops.errors import OpsError
from mcr.core.kafka_acls import OPS
from mcr.core.kafka_client import KafkaClientSettings
from projections.record.settings import RecordSettings

__all__ = ["dlq_app"]

dlq_app = typer.Typer(help="Dead letters: list, show, re-drive (once).", no_args_is_help=True)
console = Console()
LOG_TOPIC = "mcr.dlq.redriven"
TOPIC_OPTION = typer.Option(None, "--topic", help="Dead-letter topic (MCR_RECORD_DLQ_TOPIC).")
LOG_OPTION = typer.Option(LOG_TOPIC, "--log-topic", help="Where re-drives are recorded.")


def _where(topic: str | None) -> tuple[KafkaClientSettings, str]:
    settings = RecordSettings.from_env()
    return settings.kafka.resolve(OPS), topic or settings.dlq_topic


def _selection(stage: str | None, reason: str | None, partition: int | None,
               from_offset: int | None, to_offset: int | None) -> Selection:  # fmt: skip
    return Selection(stage, reason, partition, from_offset, to_offset)


def _row(letter: Letter, redriven: frozenset[str]) -> dict[str, object]:
    at = datetime.fromtimestamp(letter.at_ms / 1000, UTC).isoformat(timespec="seconds")
    return {"position": letter.position, "at": at, "stage": letter.stage,
            "reason": letter.reason, "topic": letter.topic, "partition": letter.partition,
            "offset": letter.offset, "redriven": letter.position in redriven}  # fmt: skip


def _fail(exc: OpsError) -> typer.Exit:
    typer.echo(f"dlq: {exc}", err=True)
    return typer.Exit(2)


@dlq_app.command("list")
def list_letters(
    stage: str | None = typer.Option(None, "--stage", help="Only this stage."),
    reason: str | None = typer.Option(None, "--reason", help="Only this reason (prefix*)."),
    topic: str | None = TOPIC_OPTION,
    log_topic: str = LOG_OPTION,
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """Dead letters by stage and reason, then each one: where it failed and whether it was
    re-driven."""
    bootstrap, dlq_topic = _where(topic)
    try:
        letters = select(
            read_letters(bootstrap, dlq_topic), _selection(stage, reason, None, None, None)
        )
        redriven = read_redriven(bootstrap, log_topic)
    except OpsError as exc:
        raise _fail(exc) from exc
    rows = [_row(letter, redriven) for letter in letters]
    if as_json:
        typer.echo(json.dumps({"total": len(rows), "by_reason": summarise(letters, redriven),
                               "letters": rows}))  # fmt: skip
        return
    table = Table(title=f"{len(rows)} dead letter(s) on {dlq_topic}")
    for column in ("position", "at", "stage", "reason", "topic", "partition", "offset", "redriven"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("position", "at", "stage", "reason", "topic",
                                               "partition", "offset", "redriven")))  # fmt: skip
    console.print(table)


@dlq_app.command("show")
def show(
    position: str = typer.Argument(..., help="<partition>:<offset> on the dead-letter topic."),
    topic: str | None = TOPIC_OPTION,
    log_topic: str = LOG_OPTION,
) -> None:
    """One letter: where and why it failed, its original headers' names and its size."""
    bootstrap, dlq_topic = _where(topic)
    try:
        found = [x for x in read_letters(bootstrap, dlq_topic) if x.position == position]
        redriven = read_redriven(bootstrap, log_topic)
    except OpsError as exc:
        raise _fail(exc) from exc
    if not found:
        typer.echo(f"dlq: no letter at {position}", err=True)
        raise typer.Exit(1)
    letter = found[0]
    detail = {**_row(letter, redriven), "value_bytes": len(letter.value or b""),
              "headers": [name for name, _ in letter.original_headers]}  # fmt: skip
    typer.echo(json.dumps(detail, indent=2))


@dlq_app.command("redrive")
def redrive_command(
    *,
    stage: str | None = typer.Option(None, "--stage", help="Only this stage."),
    reason: str | None = typer.Option(None, "--reason", help="Only this reason (prefix*)."),
    partition: int | None = typer.Option(None, "--partition", help="Dead-letter partition."),
    from_offset: int | None = typer.Option(None, "--from-offset", help="First offset (incl.)."),
    to_offset: int | None = typer.Option(None, "--to-offset", help="Last offset (incl.)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be sent; send nothing."),
    topic: str | None = TOPIC_OPTION,
    log_topic: str = LOG_OPTION,
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """Send the chosen letters back to where they failed, each once (a reason or an offset
    range is required: no accidental re-drive of everything)."""
    if reason is None and stage is None and from_offset is None and to_offset is None:
        typer.echo(
            "dlq redrive: choose letters with --reason, --stage or an offset range", err=True
        )
        raise typer.Exit(2)
    bootstrap, dlq_topic = _where(topic)
    chosen = Selection(stage, reason, partition, from_offset, to_offset)
    try:
        letters = select(read_letters(bootstrap, dlq_topic), chosen)
        redriven = read_redriven(bootstrap, log_topic)
        if dry_run:
            pending = [x.position for x in letters if x.position not in redriven and x.topic]
            already = [x.position for x in letters if x.position in redriven]
            outcome = {"dry_run": True, "would_send": pending, "already": already}
        else:
            result = redrive(bootstrap, letters, dlq_topic=dlq_topic, log_topic=log_topic,
                             redriven=redriven)  # fmt: skip
            outcome = {"dry_run": False, "sent": list(result.sent), "already": list(result.already),
                       "unknown_topic": list(result.unknown_topic)}  # fmt: skip
    except OpsError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(outcome))
        return
    for name, value in outcome.items():
        typer.echo(f"{name}: {value}")
