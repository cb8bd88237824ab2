"""``mcr planning run``: the planning store worker as a command."""

from __future__ import annotations

import typer

from mcr.core.kafka_acls import PLANNING
from mcr.core.metrics import Heartbeat, MetricsSettings, serve_metrics
from mcr.core.readiness import kafka_answers, postgres_answers
from mcr.core.settings import SettingsError
from mcr.core.signals import stop_on_signals
from projections.planning.runner import PlanningWorker
from projections.planning.settings import PlanningStoreSettings

__all__ = ["app"]

app = typer.Typer(help="The planning store (mcr.planning -> PostgreSQL).", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Planning store commands."""


@app.command()
def run() -> None:
    """Run the planning store worker until SIGINT or SIGTERM (MCR_PLANNING_* variables;
    MCR_METRICS_PORT serves /metrics, /live and /ready)."""
    try:
        settings = PlanningStoreSettings.from_env()
        metrics = MetricsSettings.from_env()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    heartbeat = Heartbeat()
    dsn = settings.postgres_dsn.get_secret_value()
    kafka = settings.kafka.resolve(PLANNING)  # as the worker connects

    def ready() -> dict[str, bool]:
        return {"postgresql": postgres_answers(dsn), "kafka": kafka_answers(kafka)}

    serve_metrics(metrics, heartbeat.alive, ready)
    stop = stop_on_signals()
    stats = PlanningWorker(settings, stop=stop, heartbeat=heartbeat).run()
    typer.echo(f"handled {stats.handled}, facts {stats.facts}, opt-outs {stats.opt_outs}, "
               f"removed {stats.removed}, dead letters {stats.dead_letters}")  # fmt: skip
