"""``mcr projection record run``: the record projection worker as a command."""

from __future__ import annotations

import json

import typer

from mcr.core.kafka_acls import PROJECTION
from mcr.core.metrics import Heartbeat, MetricsSettings, serve_metrics
from mcr.core.priority import yield_to_interactive
from mcr.core.readiness import kafka_answers, opensearch_answers
from mcr.core.settings import SettingsError, replace
from mcr.core.signals import stop_on_signals
from projections.record.errors import VerifyError, WriteError
from projections.record.expected import KINDS, VerifyReport
from projections.record.runner import RecordWorker
from projections.record.settings import RecordSettings
from projections.record.verify import Lagging, verify_record
from projections.record.writer import connect

__all__ = ["app"]

app = typer.Typer(
    help="The consolidated record projection (Kafka -> OpenSearch).", no_args_is_help=True
)


@app.callback()
def _group() -> None:
    """Record projection commands."""


def _settings(source_topic: str | None, group: str | None, alias: str | None) -> RecordSettings:
    """The environment's settings with the command line's topic, group and alias."""
    settings = RecordSettings.from_env()
    if source_topic:
        settings = replace(settings, source_topic=source_topic)
    if group:
        settings = replace(settings, group_id=group)
    if alias:
        settings = replace(settings, alias=alias)
    return settings


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
    settings = _settings(source_topic, group, alias)
    try:
        metrics = MetricsSettings.from_env()
        yield_to_interactive()  # ingest gives way to clinicians' reads on a shared machine
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    heartbeat = Heartbeat()
    opensearch = settings.opensearch_url.get_secret_value()
    kafka = settings.kafka.resolve(PROJECTION)  # as the worker connects

    def ready() -> dict[str, bool]:
        return {"opensearch": opensearch_answers(opensearch, ca_file=settings.opensearch_ca_file),
                "kafka": kafka_answers(kafka)}  # fmt: skip

    serve_metrics(metrics, heartbeat.alive, ready)
    stop = stop_on_signals()
    stats = RecordWorker(settings, stop=stop, heartbeat=heartbeat).run()
    typer.echo(
        f"handled {stats.handled}, written {stats.written}, conflicts {stats.conflicts}, "
        f"dead letters {stats.dead_letters}, purged {stats.purged}"
    )


def _print_report(report: VerifyReport) -> None:
    typer.echo(
        f"expected visible {report.expected_visible:,}, visible in the index "
        f"{report.index_visible:,}, removed by the log {report.removed:,}, "
        f"dead-lettered {report.dead_lettered:,}, unreadable {report.unreadable:,}"
    )
    for kind, reasons in report.by_reason().items():
        detail = ", ".join(f"{reason} {count:,}" for reason, count in reasons.items())
        typer.echo(f"{kind}: {report.count(kind):,}" + (f" ({detail})" if detail else ""))
    examples = report.as_json(examples=5)["examples"]
    for kind in KINDS:
        for doc_id in examples[kind]:
            typer.echo(f"  {kind}: {doc_id}")
    typer.echo("OK: the index is what the log says" if report.ok else "DIFFERENCES FOUND")


@app.command()
def verify(
    source_topic: str | None = typer.Option(None, "--source-topic", help="Projected topic."),
    group: str | None = typer.Option(None, "--group", help="The projection's consumer group."),
    alias: str | None = typer.Option(None, "--alias", help="Read alias to check."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of text."),
) -> None:
    """Compare the record with the log: documents missing, leaked, or at another version or
    person. Exit 0 when identical, 1 on any difference, 2 when the projection has not caught
    up with the log yet (run it again) or the log or index cannot be read."""
    settings = _settings(source_topic, group, alias).for_operators()
    client = connect(
        settings.opensearch_url.get_secret_value(), ca_file=settings.opensearch_ca_file
    )
    try:
        outcome = verify_record(settings, client)
    except (VerifyError, WriteError) as exc:
        typer.echo(f"verify: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        client.close()
    if isinstance(outcome, Lagging):
        message = {"ok": False, "lagging": outcome.behind}
        typer.echo(json.dumps(message) if as_json else
                   f"the projection is {outcome.behind:,} messages behind the log: "
                   "wait for it to catch up, then verify again")  # fmt: skip
        raise typer.Exit(2)
    if as_json:
        typer.echo(json.dumps(outcome.as_json()))
    else:
        _print_report(outcome)
    raise typer.Exit(0 if outcome.ok else 1)
