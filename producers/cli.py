"""``mcr produce``: publish FHIR R4 or HL7 v2 files as source events.

Each file is mapped by its adapter, every event is validated, valid events are published and
a summary shows what was sent, rejected (with location and reason) and skipped. Exit code 0
when everything was sent, 2 when anything was rejected, 1 when only deliveries failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from mcr.core.kafka_acls import organisation_principal
from mcr.core.progress import RichProgress
from mcr.core.settings import replace
from producers.sdk import PublisherConfig
from producers.sdk.ingest import FileReader, IngestSummary, collect_files, ingest
from producers.sdk.sources import FHIR_SUFFIXES, HL7V2_SUFFIXES, fhir_reader, hl7v2_reader
from schemas.events import is_ods_code

app = typer.Typer(
    help="Publish source records (FHIR R4, HL7 v2 files) to the mcr.source.* topics.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
_console = Console()

PATH_ARGUMENT = typer.Argument(
    ..., exists=True, help="A file, or a folder searched recursively.", show_default=False
)
ORG_OPTION = typer.Option(..., "--org", help="ODS code of the publishing organisation.")
DRY_RUN_OPTION = typer.Option(False, "--dry-run", help="Map and validate only; send nothing.")
JSON_OPTION = typer.Option(False, "--json", help="Print the summary as one JSON object.")
TOPIC_OPTION = typer.Option(
    None, "--topic", help="Send every event to this one topic (testing, sandboxes)."
)


@app.command("fhir")
def produce_fhir(
    path: Path = PATH_ARGUMENT,
    *,
    org: str = ORG_OPTION,
    system: str = typer.Option("fhir", "--system", help="Source system name in the header."),
    dry_run: bool = DRY_RUN_OPTION,
    topic: str | None = TOPIC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Publish FHIR R4 resources or Bundles (.json or .xml)."""
    _produce(path, FHIR_SUFFIXES, fhir_reader, org=org, system=system, dry_run=dry_run,
             topic=topic, as_json=as_json)  # fmt: skip


@app.command("hl7v2")
def produce_hl7v2(
    path: Path = PATH_ARGUMENT,
    *,
    org: str = ORG_OPTION,
    system: str = typer.Option("hl7v2", "--system", help="Source system name in the header."),
    dry_run: bool = DRY_RUN_OPTION,
    topic: str | None = TOPIC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Publish HL7 v2 messages (.hl7 files: single messages, batches or files)."""
    _produce(path, HL7V2_SUFFIXES, hl7v2_reader, org=org, system=system, dry_run=dry_run,
             topic=topic, as_json=as_json)  # fmt: skip


def _produce(
    path: Path,
    suffixes: Iterable[str],
    make_reader: Callable[..., FileReader],
    *,
    org: str,
    system: str,
    dry_run: bool,
    topic: str | None,
    as_json: bool = False,
) -> None:
    if not is_ods_code(org):
        raise typer.BadParameter("must be an ODS code (A-Z, 0-9)", param_hint="--org")
    read = make_reader(org=org, source_system=system)
    files = collect_files(path, suffixes)
    with RichProgress(unit="files") as progress:
        progress.phase("files", len(files))
        if dry_run:
            summary = ingest(files, root=path, read=read, publisher=None,
                             on_file=lambda: progress.advance(1))  # fmt: skip
        else:
            from producers.sdk.publisher import Publisher  # noqa: PLC0415 (Kafka when sending)

            config = PublisherConfig.from_env()
            # Credentials from configuration (MCR_KAFKA_USERNAME, MCR_KAFKA_PASSWORD_FILE),
            # never from the command line; unset, the organisation's own principal and file.
            config = replace(config, kafka=config.kafka.resolve(organisation_principal(org)))
            with Publisher(config, topic=topic) as publisher:
                summary = ingest(files, root=path, read=read, publisher=publisher,
                                 on_file=lambda: progress.advance(1))  # fmt: skip
    if as_json:
        typer.echo(json.dumps(summary.as_json()))
    else:
        _render(summary)
    raise typer.Exit(summary.exit_code)


def _render(summary: IngestSummary) -> None:
    verb = "valid (dry run, not sent)" if summary.dry_run else "sent"
    totals = Table(title="Summary", show_header=False)
    totals.add_row("files read", str(summary.files_read))
    totals.add_row(f"events {verb}", str(summary.sent.total()))
    totals.add_row("rejected", str(len(summary.rejected)))
    totals.add_row("delivery failures", str(len(summary.failed)))
    _console.print(totals)
    _print_counts(f"Events {verb} by record type", "record type", summary.sent)
    _print_counts("Skipped (not mapped)", "type", summary.skipped)
    problems = [*summary.rejected, *summary.failed]
    if problems:
        table = Table(title="Rejected")
        table.add_column("location", overflow="fold")
        table.add_column("reason", overflow="fold")
        for rejection in problems:
            table.add_row(rejection.location, rejection.reason)
        _console.print(table)


def _print_counts(title: str, label: str, counts: dict[str, int]) -> None:
    if not counts:
        return
    table = Table(title=title)
    table.add_column(label)
    table.add_column("count", justify="right")
    for name, count in sorted(counts.items()):
        table.add_row(name, str(count))
    _console.print(table)
