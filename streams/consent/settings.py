"""Configuration of the consent stage, read once from the environment (loopback defaults).

=============================  ==========================================  ==================
variable                       field                                       default
=============================  ==========================================  ==================
MCR_CONSENT_DSN                postgres_dsn (role ``mcr_consent``)         loopback ``mcr`` db
MCR_CONSENT_SCHEMA             schema_name (PostgreSQL schema of tables)   consent
MCR_TOPIC_PREFIX               topic_prefix (before every topic name)      (empty)
MCR_CONSENT_BATCH              batch_size (events decided together)        500
MCR_CONSENT_BATCH_WITHIN_MS    batch_within_ms (wait to fill a batch)      50
=============================  ==========================================  ==================

The stage reads ``mcr.linked`` and ``mcr.identity.changes`` and writes ``mcr.shared`` and
``mcr.dlq`` (each after ``MCR_TOPIC_PREFIX``), in the streams application's consumer group.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mcr.core.settings import ConsentDsn, SecretUrl, SqlIdentifier, local_dsn, whole_number
from schemas.events import SHARED_TOPIC
from streams.stage_settings import StageSettings

__all__ = ["ConsentSettings"]


class ConsentSettings(StageSettings):
    """Where the consent tables live and which topics the stage reads and writes."""

    postgres_dsn: ConsentDsn = SecretUrl(local_dsn("mcr_consent"))
    schema_name: Annotated[SqlIdentifier, Field(validation_alias="MCR_CONSENT_SCHEMA")] = "consent"
    batch_size: Annotated[
        int, whole_number(minimum=1), Field(validation_alias="MCR_CONSENT_BATCH")
    ] = 500
    batch_within_ms: Annotated[
        int, whole_number(minimum=1), Field(validation_alias="MCR_CONSENT_BATCH_WITHIN_MS")
    ] = 50

    @property
    def shared_topic(self) -> str:
        """What the stage writes: shareable events and purge commands, keyed by person."""
        return self.topic_prefix + SHARED_TOPIC
