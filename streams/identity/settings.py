"""Configuration of the identity stage, read once from the environment (loopback defaults).

=============================  ========================================  ===================
variable                       field                                     default
=============================  ========================================  ===================
MCR_POSTGRES_DSN               postgres_dsn                              ``DEFAULT_DSN`` (loopback)
MCR_IDENTITY_SCHEMA            schema_name (the MPI's PostgreSQL schema) mpi
MCR_IDENTITY_WEIGHTS           weights_version                           the shipped version
MCR_TOPIC_PREFIX               topic_prefix (before every topic name)    (empty)
MCR_IDENTITY_BATCH             batch_size (events resolved together)     500
MCR_IDENTITY_BATCH_WITHIN_MS   batch_within_ms (wait to fill a batch)    50
MCR_IDENTITY_TOPIC_REFRESH_S   topic_refresh_s (look for new org topics) 5
=============================  ========================================  ===================

``MCR_TOPIC_PREFIX`` is the producer SDK's variable too, so one value points producers and this
stage at the same (for example per-test) topics: ``t1.`` gives ``t1.mcr.source.<ODS>``,
``t1.mcr.linked``, ``t1.mcr.identity.changes`` and ``t1.mcr.dlq``. The faust application id
(consumer group) is ``MCR_STREAMS_APP_ID`` and the broker ``MCR_KAFKA_BOOTSTRAP``
(``streams/settings.py``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from mcr.core.settings import DEFAULT_POSTGRES_DSN, SqlIdentifier, whole_number
from schemas.events import ASSERTED_SOURCE_TOPIC, source_topic_pattern
from streams.stage_settings import StageSettings

__all__ = ["DEFAULT_DSN", "IdentitySettings"]

DEFAULT_DSN = DEFAULT_POSTGRES_DSN


class IdentitySettings(StageSettings):
    """Where the MPI lives, which weights to score with, which topics, how it batches."""

    schema_name: Annotated[SqlIdentifier, Field(validation_alias="MCR_IDENTITY_SCHEMA")] = "mpi"
    weights_version: Annotated[
        str | None,
        BeforeValidator(lambda v: v or None),  # set but empty: the shipped version
        Field(validation_alias="MCR_IDENTITY_WEIGHTS"),
    ] = None
    batch_size: Annotated[
        int, whole_number(minimum=1), Field(validation_alias="MCR_IDENTITY_BATCH")
    ] = 500
    batch_within_ms: Annotated[
        int, whole_number(minimum=1), Field(validation_alias="MCR_IDENTITY_BATCH_WITHIN_MS")
    ] = 50

    topic_refresh_s: Annotated[
        float, Field(gt=0, validation_alias="MCR_IDENTITY_TOPIC_REFRESH_S")
    ] = 5.0
    """How often the worker looks for organisations' source topics made since it started."""

    @property
    def source_topic_pattern(self) -> str:
        """The regular expression of every source topic this stage consumes: each
        organisation's ``mcr.source.<ODS>`` and the query service's asserted topic."""
        return source_topic_pattern(self.topic_prefix)

    @property
    def asserted_topic(self) -> str:
        return self.topic_prefix + ASSERTED_SOURCE_TOPIC
