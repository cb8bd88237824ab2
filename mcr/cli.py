"""The ``mcr`` command: composes each package's sub-commands, nothing more."""

from __future__ import annotations

import typer

from consumers.api.cli import app as api_app
from consumers.api.cli import audit_app
from consumers.ops.bench.cli import app as bench_app
from consumers.ops.cli import app as ops_app
from consumers.ops.dlq_cli import dlq_app
from consumers.ops.org_cli import org_app
from consumers.ops.receipts_cli import consent_app
from consumers.ops.status_cli import status
from consumers.report.cli import report_app
from deploy.local.cli import app as stack_app
from deploy.local.settings import export_client_defaults
from mcr.core.logging import configure_logging
from mcr.demo import app as demo_app
from producers.cli import app as produce_app
from producers.simulator.cli import simulate
from projections.planning.cli import app as planning_app
from projections.record.cli import app as record_app
from streams.cli import app as streams_app
from streams.identity.cli import app as identity_app
from streams.identity.cli import link_eval_command

app = typer.Typer(
    help="My Care Record: a regional shared care record pipeline.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(stack_app, name="stack")
app.add_typer(produce_app, name="produce")
app.add_typer(streams_app, name="streams")
app.add_typer(identity_app, name="identity")
app.command("link-eval")(link_eval_command)
app.command("simulate")(simulate)
app.add_typer(bench_app, name="bench")
app.add_typer(record_app, name="record")
app.add_typer(planning_app, name="planning")
app.add_typer(ops_app)
app.add_typer(dlq_app, name="dlq")
app.add_typer(org_app, name="org")
app.add_typer(consent_app, name="consent")
app.add_typer(report_app, name="report")
app.command("status")(status)
app.add_typer(demo_app, name="demo")
app.add_typer(api_app, name="api")
app.add_typer(audit_app, name="audit")


@app.callback()
def _setup(
    log_json: bool = typer.Option(False, "--log-json", help="Log JSON lines (services)."),
) -> None:
    configure_logging("json" if log_json else "console")
    export_client_defaults()


def main() -> None:
    """Console-script entry point."""
    app()
