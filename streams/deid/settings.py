"""Configuration of the de-identification stage, read once from the environment.

=================================  =========================================  ====================
variable                           field                                      default
=================================  =========================================  ====================
MCR_PLANNING_KEY_FILE              key_file (the current pseudonym key)       none: required
MCR_PLANNING_PREVIOUS_KEY_FILES    previous_key_files (comma-separated)       (none)
MCR_PLANNING_CLASSES_FILE          classes_file (known categories, TOML)      the shipped one
MCR_DEID_BATCH                     batch_size                                 500
MCR_DEID_BATCH_WITHIN_MS           batch_within_ms                            50
MCR_CONSENT_DSN, MCR_CONSENT_SCHEMA   the consent tables it reads (role ``mcr_consent``)
MCR_TOPIC_PREFIX                   topic_prefix                               (empty)
=================================  =========================================  ====================

The stage reads ``mcr.linked`` and ``mcr.identity.changes`` and writes ``mcr.planning`` (and
``mcr.dlq``), in the streams application's consumer group. The key is read when the stage
starts (never logged, never in a repr); rotating it is a configuration change (docs/planning.md).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mcr.core.settings import ConsentDsn, SecretUrl, SqlIdentifier, local_dsn, whole_number
from schemas.events import PLANNING_TOPIC
from streams.stage_settings import StageSettings

__all__ = ["DeidSettings"]


class DeidSettings(StageSettings):
    """The planning key, categories, and the topics of the de-identification stage."""

    key_file: Annotated[str, Field(validation_alias="MCR_PLANNING_KEY_FILE")] = ""
    previous_key_files: Annotated[
        str, Field(validation_alias="MCR_PLANNING_PREVIOUS_KEY_FILES")
    ] = ""
    classes_file: Annotated[str, Field(validation_alias="MCR_PLANNING_CLASSES_FILE")] = ""
    postgres_dsn: ConsentDsn = SecretUrl(local_dsn("mcr_consent"))
    """The consent stage's role: this stage reads and keeps in step the consent tables."""
    consent_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_CONSENT_SCHEMA")] = (
        "consent"
    )
    batch_size: Annotated[
        int, whole_number(minimum=1), Field(validation_alias="MCR_DEID_BATCH")
    ] = 500
    batch_within_ms: Annotated[
        int, whole_number(minimum=1), Field(validation_alias="MCR_DEID_BATCH_WITHIN_MS")
    ] = 50

    @property
    def planning_topic(self) -> str:
        """What the stage writes: de-identified events and planning commands."""
        return self.topic_prefix + PLANNING_TOPIC

    @property
    def previous_keys(self) -> list[str]:
        return [p.strip() for p in self.previous_key_files.split(",") if p.strip()]
