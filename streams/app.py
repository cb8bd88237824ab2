"""The faust application of the pipeline's stream processors, built for given settings and a
stage (``all`` by default: every stage in one application; :mod:`streams.stages`).

Every processor module is listed explicitly in ``autodiscover`` and no ``origin`` is set (faust
would scan that package too); a new processor adds its ``agents`` module to
:mod:`streams.stages`. Values and keys are raw bytes:
events stay in their Avro single-object encoding from source to projection.

faust declares agents and topics when their module is imported, so the order is: the entry
point builds :class:`~streams.settings.WorkerSettings`, calls :func:`configure` (which builds
the application), and only then are the agent modules imported (by ``app.discover()``, or by a
test after configuring); each reads the application and its stage's settings from here.
Nothing is read from the environment in this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import faust
from mode import CrashingSupervisor

from mcr.core.errors import McrError
from mcr.core.kafka_acls import STREAMS
from mcr.core.topic_admin import topic_spec
from streams.settings import WorkerSettings
from streams.stages import ALL, Stage, agent_modules, group_of

__all__ = [
    "AGENT_MODULES",
    "NotConfiguredError",
    "agent",
    "configure",
    "current",
    "settings",
    "stage",
]

AGENT_MODULES = agent_modules(ALL)
RESUBSCRIBE_AFTER_S = 1.0
# Per partition; with the linger, one request carries up to this much of each partition
# (faust's default, 16 KiB, is about a dozen events).
PRODUCER_BATCH_BYTES = 128 * 1024


class NotConfiguredError(McrError):
    """An agent module was imported before the entry point configured the streams app."""


class _Configured:
    app: faust.App | None = None
    settings: WorkerSettings | None = None
    stage: Stage = ALL


def configure(settings: WorkerSettings, stage: Stage = ALL) -> faust.App:
    """Build the faust application for ``settings`` running ``stage`` (``all``: every stage;
    see :mod:`streams.stages` for the groups), once per process; a second call with the same
    settings and stage returns the same application."""
    if _Configured.app is not None:
        if settings != _Configured.settings or stage != _Configured.stage:
            raise NotConfiguredError("streams app: already configured with other settings")
        return _Configured.app
    kafka = settings.streams.kafka.resolve(STREAMS)
    app_id = group_of(settings.streams.app_id, stage)
    # faust makes its own topics (leader election): copies as schemas/topics.toml says
    own = topic_spec(f"{app_id}-__assignor-__leader", kafka.topic_profile)
    _Configured.app = faust.App(
        app_id,
        **kafka.faust_broker(),
        # Only these modules: faust also scans ``origin``'s whole package when one is set,
        # which would declare every stage's agents in a one-stage worker.
        autodiscover=agent_modules(stage),
        origin=None,
        store="memory://",
        key_serializer="raw",
        value_serializer="raw",
        topic_replication_factor=own.replication_factor,
        web_enabled=False,
        # New organisations' topics join the subscription within seconds (identity agents).
        consumer_metadata_max_age_ms=int(settings.identity.topic_refresh_s * 1000),
        # Do not wait for in-flight messages before a rebalance or a stop: with two agents on
        # mcr.linked (consent, de-identification) and manual acks, faust's wait_empty can wait
        # for ever (faust#402, faust-streaming#527). Unacknowledged messages are read again by
        # the partition's next owner, and every stage is idempotent under repeats.
        stream_wait_empty=False,
        producer_linger=settings.streams.producer_linger_ms / 1000,
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        producer_compression_type=_codec(settings.streams.producer_compression),
    )
    # faust waits 45 s before acting on a subscription change (to merge bursts); a new
    # organisation's topic should be read within seconds, and topics are added rarely.
    _Configured.app.topics._resubscribe_sleep_lock_seconds = RESUBSCRIBE_AFTER_S  # type: ignore[attr-defined]
    _Configured.settings, _Configured.stage = settings, stage
    return _Configured.app


def _codec(name: str) -> str | None:
    return None if name == "none" else name


def current() -> faust.App:
    """The configured application; NotConfiguredError before :func:`configure`."""
    if _Configured.app is None:
        raise NotConfiguredError("streams app: configure() must run before the agents load")
    return _Configured.app


def agent(channel: Any) -> Callable[[Any], Any]:
    """``@app.agent(channel)`` of the configured application, whose crash stops the worker.

    faust's default supervisor restarts a crashed agent in place, and the batch it held
    (taken, never acknowledged) is not read again until the partition's next rebalance: its
    events wait unseen while later ones flow, and the committed offset stops there. A stage
    that meets an error it cannot retry (database errors it can are retried in place) exits
    instead, non-zero, for its service manager to restart; the restart reads again from the
    last commit, and every stage is idempotent under repeats."""
    return current().agent(channel, supervisor_strategy=CrashingSupervisor)


def stage() -> Stage:
    """The stage (or ``all``) the application runs."""
    return _Configured.stage


def settings() -> WorkerSettings:
    """The settings the application was configured with."""
    if _Configured.settings is None:
        raise NotConfiguredError("streams app: configure() must run before the agents load")
    return _Configured.settings
