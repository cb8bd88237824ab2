"""Configuration of the consent stage, read once from the environment (loopback defaults).

=============================  ==========================================  ==================
variable                       field                                       default
=============================  ==========================================  ==================
MCR_POSTGRES_DSN               postgres_dsn                                loopback ``mcr`` db
MCR_CONSENT_SCHEMA             schema (PostgreSQL schema of its tables)    consent
MCR_TOPIC_PREFIX               topic_prefix (before every topic name)      (empty)
MCR_CONSENT_BATCH              batch_size (events decided together)        500
MCR_CONSENT_BATCH_WITHIN_MS    batch_within_ms (wait to fill a batch)      50
=============================  ==========================================  ==================

The stage reads ``mcr.linked`` and ``mcr.identity.changes`` and writes ``mcr.shared`` and
``mcr.dlq`` (each after ``MCR_TOPIC_PREFIX``), in the streams application's consumer group.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from mcr.core.secrets import mask_url
from schemas.events import DLQ_TOPIC, IDENTITY_CHANGES_TOPIC, LINKED_TOPIC, SHARED_TOPIC
from streams.batching import batch_from_env
from streams.identity.settings import DEFAULT_DSN

__all__ = ["ConsentSettings"]

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class ConsentSettings:
    """Where the consent tables live and which topics the stage reads and writes."""

    postgres_dsn: str = DEFAULT_DSN
    schema: str = "consent"
    topic_prefix: str = ""
    batch_size: int = 500
    batch_within_ms: int = 50

    def __post_init__(self) -> None:
        if not _SCHEMA.match(self.schema):
            raise ValueError("MCR_CONSENT_SCHEMA: expected a lower-case SQL identifier")
        if self.batch_size < 1 or self.batch_within_ms < 1:
            raise ValueError("MCR_CONSENT_BATCH and MCR_CONSENT_BATCH_WITHIN_MS: at least 1")

    def __repr__(self) -> str:
        masked = mask_url(self.postgres_dsn)
        return (
            f"ConsentSettings(postgres_dsn={masked!r}, schema={self.schema!r}, "
            f"topic_prefix={self.topic_prefix!r}, batch_size={self.batch_size}, "
            f"batch_within_ms={self.batch_within_ms})"
        )

    @property
    def linked_topic(self) -> str:
        """What the stage reads: identified events, keyed by person."""
        return self.topic_prefix + LINKED_TOPIC

    @property
    def changes_topic(self) -> str:
        """Identity changes, which move preferences between persons."""
        return self.topic_prefix + IDENTITY_CHANGES_TOPIC

    @property
    def shared_topic(self) -> str:
        """What the stage writes: shareable events and purge commands, keyed by person."""
        return self.topic_prefix + SHARED_TOPIC

    @property
    def dlq_topic(self) -> str:
        """Where undecodable events go."""
        return self.topic_prefix + DLQ_TOPIC

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConsentSettings:
        """Settings from ``env`` (default: the process environment)."""
        values = os.environ if env is None else env
        batch, within = batch_from_env(values, "CONSENT")
        return cls(
            postgres_dsn=values.get("MCR_POSTGRES_DSN", DEFAULT_DSN),
            schema=values.get("MCR_CONSENT_SCHEMA", "consent"),
            topic_prefix=values.get("MCR_TOPIC_PREFIX", ""),
            batch_size=batch,
            batch_within_ms=within,
        )
