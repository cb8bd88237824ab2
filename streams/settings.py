"""Settings of the streams worker: its faust application and each stage it runs.

=====================  =======================================  ===================
variable               field                                    default
=====================  =======================================  ===================
MCR_STREAMS_APP_ID     app_id (faust application id and group)  mcr-streams
MCR_STREAMS_LAG_S      lag_interval_s (lag gauge every ... s)   10
MCR_STREAMS_LINGER_MS  producer_linger_ms (batch sends)         10
MCR_STREAMS_COMPRESS   producer_compression (codec of sends)    lz4
MCR_KAFKA_*            kafka (brokers, credentials)             mcr.core.kafka_client
=====================  =======================================  ===================

The stages' own variables are in ``streams/identity/settings.py``,
``streams/consent/settings.py`` and ``streams/deid/settings.py``. The worker's entry point
builds :class:`WorkerSettings` once and hands it to :func:`streams.app.configure` before any
agent module is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from mcr.core.kafka_client import KafkaClient
from mcr.core.settings import McrSettings
from streams.consent.settings import ConsentSettings
from streams.deid.settings import DeidSettings
from streams.identity.settings import IdentitySettings

__all__ = ["StreamsSettings", "WorkerSettings"]


class StreamsSettings(McrSettings):
    """The faust application: its id (also its consumer group) and its broker (as the
    ``mcr-streams`` principal unless ``MCR_KAFKA_USERNAME`` names another)."""

    app_id: Annotated[str, Field(validation_alias="MCR_STREAMS_APP_ID")] = "mcr-streams"
    lag_interval_s: Annotated[float, Field(validation_alias="MCR_STREAMS_LAG_S", gt=0)] = 10.0
    """How often the worker reads its stages' lag for ``mcr_consumer_lag`` (three admin
    requests each time, in a thread)."""
    producer_linger_ms: Annotated[
        int, Field(validation_alias="MCR_STREAMS_LINGER_MS", ge=0, le=1000)
    ] = 10
    """How long the workers' producer waits to fill a batch before sending: fewer and larger
    produce requests cost the worker and Kafka less CPU per event (docs/benchmarks-e2e.md,
    2026-12-07) for at most this much latency per stage (faust's default: 0)."""
    producer_compression: Annotated[
        Literal["none", "lz4", "zstd", "gzip"], Field(validation_alias="MCR_STREAMS_COMPRESS")
    ] = "lz4"
    """The codec of the workers' produce batches (``none``: uncompressed, faust's default):
    smaller requests to encrypt, send and store for a little CPU to compress."""
    kafka: KafkaClient


@dataclass(frozen=True)
class WorkerSettings:
    """Everything one streams worker process runs on."""

    streams: StreamsSettings
    identity: IdentitySettings
    consent: ConsentSettings
    deid: DeidSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkerSettings:
        """Each part from ``env`` (default: the process environment); SettingsError naming
        the first variable that breaks a rule."""
        return cls(
            StreamsSettings.from_env(env),
            IdentitySettings.from_env(env),
            ConsentSettings.from_env(env),
            DeidSettings.from_env(env),
        )
