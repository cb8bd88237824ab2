"""``mcr streams ...``: the stream processors' worker (identity, then consent and
de-identification: every stage in one process, or one stage per process with ``--stage``)."""

from __future__ import annotations

from typing import Annotated

import typer

from mcr.core.metrics import MetricsSettings
from mcr.core.priority import yield_to_interactive
from mcr.core.settings import SettingsError
from streams.settings import WorkerSettings
from streams.stages import ALL, Stage

__all__ = ["app", "worker"]

app = typer.Typer(help="The stream processors (identity, then consent).", no_args_is_help=True)


@app.command("worker")
def worker(
    loglevel: Annotated[str, typer.Option(help="faust log level: debug, info, warn, error.")] = (
        "warn"
    ),
    stage: Annotated[
        Stage,
        typer.Option(
            help="Which stage this process runs: all (one process, one group); or identity, "
            "and linked (consent and deid) or consent and deid apart, each in its own "
            "process and consumer group."
        ),
    ] = ALL,
) -> None:
    """Run the stream processors (the faust app in streams/app.py) until SIGINT or SIGTERM.

    --stage identity|linked|consent|deid runs one stage (linked: consent and de-identification)
    in this process, as its own consumer group (MCR_STREAMS_APP_ID, then -linked, -consent,
    -deid), so the stages use separate cores and cannot starve each other; a deployment then
    runs identity + linked, or identity + consent + deid (streams/stages.py).

    Reads the environment once, here: MCR_KAFKA_BOOTSTRAP, MCR_TOPIC_PREFIX,
    MCR_STREAMS_APP_ID, MCR_IDENTITY_DSN, MCR_CONSENT_DSN, MCR_IDENTITY_*, MCR_CONSENT_*,
    MCR_BACKGROUND_NICENESS, MCR_METRICS_PORT (exit code 2 and the variable's name when one
    breaks a rule)."""
    from streams.worker import run_worker  # noqa: PLC0415 (faust stays lazy)

    try:
        settings = WorkerSettings.from_env()
        metrics = MetricsSettings.from_env()
        yield_to_interactive()  # ingest gives way to clinicians' reads on a shared machine
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    run_worker(settings, stage=stage, loglevel=loglevel, metrics=metrics)
