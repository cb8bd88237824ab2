"""Running the pipeline's faust application (``streams.app``) as a worker process.

The same steps as ``faust -A streams.app:app worker``: finalise the app, import the agent
modules it lists, then run a faust ``Worker`` until SIGINT or SIGTERM, which stops the agents,
commits what was acknowledged and closes Kafka; once faust has stopped, :func:`execute` closes
the stages' database pools (their connections end cleanly) before the process exits. By
default one worker runs every stage of ``streams.app`` (identity, then consent and
de-identification): ``mcr streams worker``; ``--stage`` runs one stage as its own application
and consumer group (:mod:`streams.stages`). The event loop is uvloop's.
Configuration is built by the entry point (``mcr streams worker``: ``WorkerSettings.from_env``)
and passed in; faust reads its own ``APP_DATADIR`` for its data directory.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, NoReturn

from mcr.core.kafka_acls import STREAMS
from mcr.core.logging import get_logger
from mcr.core.metrics import Heartbeat, MetricsSettings, serve_metrics
from mcr.core.readiness import kafka_answers, postgres_answers
from streams.lag import LagReporter, stage_classifier
from streams.settings import WorkerSettings
from streams.stages import ALL, Stage, agent_modules, group_of, stages_of

__all__ = ["execute", "run_worker"]

log = get_logger(__name__)


def run_worker(
    settings: WorkerSettings,
    *,
    stage: Stage = ALL,
    loglevel: str = "warn",
    metrics: MetricsSettings | None = None,
) -> NoReturn:
    """Run ``stage``'s stream processors (``all``: every stage) on ``settings`` until stopped,
    serving ``metrics`` (``/metrics``, ``/live``: the event loop beat within 30 s, ``/ready``:
    PostgreSQL and Kafka answer) when its port is set; exits the process (SystemExit)."""
    import faust  # noqa: PLC0415 (faust stays out of every process that does not stream)
    import mode.loop  # noqa: PLC0415

    from streams.app import configure  # noqa: PLC0415

    # uvloop: about a sixth less CPU per event than asyncio's loop and its pure-Python TLS
    # transport (docs/benchmarks-e2e.md, 2026-12-07)
    mode.loop.use("uvloop")
    app = configure(settings, stage)
    heartbeat = Heartbeat()

    @app.timer(interval=1.0)  # type: ignore[untyped-decorator]  # faust is untyped
    async def beat() -> None:
        """The event loop runs timers only while it is free: a stalled loop stops beating."""
        heartbeat.beat()

    lag = _lag_reporter(settings, stage)

    @app.timer(interval=settings.streams.lag_interval_s)  # type: ignore[untyped-decorator]
    async def report_lag() -> None:
        """Each stage's lag on this worker's partitions, read in a thread off the loop."""
        try:
            assigned = [(tp.topic, tp.partition) for tp in app.consumer.assignment()]
            await asyncio.to_thread(lag.report, assigned)
        except Exception as exc:  # a gauge must never stop the pipeline
            log.warning("consumer lag not read", error_type=type(exc).__name__)

    # each stage's own role, as its agents connect (a refused password makes the worker unready)
    dsns = {"postgresql": settings.identity.postgres_dsn.get_secret_value(),
            "consent": settings.consent.postgres_dsn.get_secret_value()}  # fmt: skip
    if stage not in (ALL, "identity"):
        del dsns["postgresql"]
    if stage == "identity":
        del dsns["consent"]
    kafka = settings.streams.kafka.resolve(STREAMS)  # as the worker connects

    def ready() -> dict[str, bool]:
        answers = {name: postgres_answers(dsn) for name, dsn in dsns.items()}
        return answers | {"kafka": kafka_answers(kafka)}

    serve_metrics(metrics or MetricsSettings(), heartbeat.alive, ready)
    app.finalize()
    app.worker_init()
    app.discover()
    app.worker_init_post_autodiscover()
    # Keep the process's logging (mcr.core.logging: PHI allowlist, scrubbed library records)
    # instead of letting faust replace the root handlers with its own.
    worker = faust.Worker(app, loglevel=loglevel, redirect_stdouts=False, override_logging=False)
    # No terminal spinner: it lowers the root logger to DEBUG to spin on every record, which
    # makes every library build a log record per message (a tenth of the worker's time).
    worker.spinner = None
    log.info("streams worker starting", stages=",".join(stages_of(stage)))
    execute(worker, stage)


def _lag_reporter(settings: WorkerSettings, stage: Stage) -> LagReporter:
    stage_of = stage_classifier(
        source_pattern=settings.identity.source_topic_pattern,
        consent_topics=(settings.consent.linked_topic, settings.consent.changes_topic),
    )
    kafka = settings.streams.kafka.resolve(STREAMS)
    return LagReporter(kafka, group=group_of(settings.streams.app_id, stage), stage_of=stage_of)


def execute(worker: Any, stage: Stage = ALL) -> NoReturn:
    """Run a faust ``worker`` until it exits (SystemExit, once its agents have stopped and its
    event loop is closed), then close the database pools of the stages it ran, whatever the
    exit (a stage's module is only imported when the worker runs it: importing one declares
    its agents)."""
    try:
        worker.execute_from_commandline()
    finally:
        for name in agent_modules(stage):
            module = sys.modules.get(name)
            if module is not None:
                module.DATABASE.close()
    raise SystemExit(0)  # not reached: execute_from_commandline always ends in SystemExit
