"""Configuration of the planning store projection, read once from the environment.

=========================  ============================================  ======================
variable                   field                                         default
=========================  ============================================  ======================
MCR_KAFKA_BOOTSTRAP        kafka_bootstrap                               127.0.0.1:9092
MCR_TOPIC_PREFIX           topic_prefix (before mcr.planning, mcr.dlq)   (empty)
MCR_POSTGRES_DSN           postgres_dsn                                  loopback ``mcr`` db
MCR_PLANNING_SCHEMA        schema_name (the store's own schema)          planning
MCR_RECEIPTS_SCHEMA        receipts_schema (the one receipts store)      receipts
MCR_PLANNING_GROUP         group_id (consumer group)                     mcr-projection-planning
MCR_PLANNING_BATCH         batch_size (messages applied per transaction) 1000
=========================  ============================================  ======================
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mcr.core.settings import (
    DEFAULT_KAFKA_BOOTSTRAP,
    DEFAULT_POSTGRES_DSN,
    KafkaBootstrap,
    McrSettings,
    PostgresDsn,
    SecretUrl,
    SqlIdentifier,
    TopicPrefix,
    whole_number,
)
from schemas.events import DLQ_TOPIC, PLANNING_TOPIC

__all__ = ["PlanningStoreSettings"]


class PlanningStoreSettings(McrSettings):
    """Where the planning store reads and writes."""

    kafka_bootstrap: KafkaBootstrap = DEFAULT_KAFKA_BOOTSTRAP
    topic_prefix: TopicPrefix = ""
    postgres_dsn: PostgresDsn = SecretUrl(DEFAULT_POSTGRES_DSN)
    schema_name: Annotated[SqlIdentifier, Field(validation_alias="MCR_PLANNING_SCHEMA")] = (
        "planning"
    )
    receipts_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_RECEIPTS_SCHEMA")] = (
        "receipts"
    )
    group_id: Annotated[str, Field(validation_alias="MCR_PLANNING_GROUP")] = (
        "mcr-projection-planning"
    )
    batch_size: Annotated[
        int, whole_number(minimum=1), Field(validation_alias="MCR_PLANNING_BATCH")
    ] = 1000

    @property
    def planning_topic(self) -> str:
        return self.topic_prefix + PLANNING_TOPIC

    @property
    def dlq_topic(self) -> str:
        return self.topic_prefix + DLQ_TOPIC
