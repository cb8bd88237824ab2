"""Configuration of the identity stage, read once from the environment (loopback defaults).

=============================  ========================================  ===================
variable                       field                                     default
=============================  ========================================  ===================
MCR_POSTGRES_DSN               postgres_dsn                              ``DEFAULT_DSN`` (loopback)
MCR_IDENTITY_SCHEMA            schema (the MPI's PostgreSQL schema)      mpi
MCR_IDENTITY_WEIGHTS           weights_version                           the shipped version
MCR_KAFKA_BOOTSTRAP            kafka_bootstrap                           127.0.0.1:9092
MCR_TOPIC_PREFIX               topic_prefix (before every topic name)    (empty)
MCR_IDENTITY_BATCH             batch_size (events resolved together)     500
MCR_IDENTITY_BATCH_WITHIN_MS   batch_within_ms (wait to fill a batch)    50
=============================  ========================================  ===================

``MCR_TOPIC_PREFIX`` is the producer SDK's variable too, so one value points producers and this
stage at the same (for example per-test) topics: ``t1.`` gives ``t1.mcr.source.patient``,
``t1.mcr.linked``, ``t1.mcr.identity.changes`` and ``t1.mcr.dlq``. The faust application id
(consumer group) is ``MCR_STREAMS_APP_ID`` (``streams/app.py``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from mcr.core.secrets import mask_url
from schemas.events import DLQ_TOPIC, IDENTITY_CHANGES_TOPIC, LINKED_TOPIC, SOURCE_TOPICS
from streams.batching import batch_from_env

__all__ = ["DEFAULT_DSN", "IdentitySettings"]

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5433/mcr"
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_TOPIC_PREFIX = re.compile(r"^[A-Za-z0-9._-]{0,100}$")


@dataclass(frozen=True)
class IdentitySettings:
    """Where the MPI lives, which weights to score with, where Kafka is, which topics."""

    postgres_dsn: str = DEFAULT_DSN
    schema: str = "mpi"
    weights_version: str | None = None
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = ""
    batch_size: int = 500
    batch_within_ms: int = 50

    def __post_init__(self) -> None:
        if not _SCHEMA.match(self.schema):
            raise ValueError("MCR_IDENTITY_SCHEMA: expected a lower-case SQL identifier")
        if not _TOPIC_PREFIX.match(self.topic_prefix):
            raise ValueError("MCR_TOPIC_PREFIX: expected letters, digits, '.', '_' or '-'")
        if self.batch_size < 1 or self.batch_within_ms < 1:
            raise ValueError("MCR_IDENTITY_BATCH and MCR_IDENTITY_BATCH_WITHIN_MS: at least 1")

    def __repr__(self) -> str:
        masked = mask_url(self.postgres_dsn)
        return (
            f"IdentitySettings(postgres_dsn={masked!r}, schema={self.schema!r}, "
            f"weights_version={self.weights_version!r}, "
            f"kafka_bootstrap={self.kafka_bootstrap!r}, topic_prefix={self.topic_prefix!r}, "
            f"batch_size={self.batch_size}, batch_within_ms={self.batch_within_ms})"
        )

    @property
    def source_topics(self) -> tuple[str, ...]:
        """The ``mcr.source.*`` topics this stage consumes."""
        return tuple(self.topic_prefix + topic for topic in SOURCE_TOPICS)

    @property
    def linked_topic(self) -> str:
        """Where resolved events go, keyed by person."""
        return self.topic_prefix + LINKED_TOPIC

    @property
    def changes_topic(self) -> str:
        """Where identity changes go."""
        return self.topic_prefix + IDENTITY_CHANGES_TOPIC

    @property
    def dlq_topic(self) -> str:
        """Where undecodable or unresolvable events go."""
        return self.topic_prefix + DLQ_TOPIC

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IdentitySettings:
        """Settings from ``env`` (default: the process environment)."""
        values = os.environ if env is None else env
        batch, within = batch_from_env(values, "IDENTITY")
        return cls(
            postgres_dsn=values.get("MCR_POSTGRES_DSN", DEFAULT_DSN),
            schema=values.get("MCR_IDENTITY_SCHEMA", "mpi"),
            weights_version=values.get("MCR_IDENTITY_WEIGHTS") or None,
            kafka_bootstrap=values.get("MCR_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
            topic_prefix=values.get("MCR_TOPIC_PREFIX", ""),
            batch_size=batch,
            batch_within_ms=within,
        )
