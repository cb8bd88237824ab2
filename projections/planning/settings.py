"""Configuration of the planning store projection, read once from the environment.

=========================  ============================================  ======================
variable                   field                                         default
=========================  ============================================  ======================
MCR_KAFKA_*                kafka (brokers, credentials)                  mcr.core.kafka_client
MCR_TOPIC_PREFIX           topic_prefix (before mcr.planning, mcr.dlq)   (empty)
MCR_PLANNING_DSN           postgres_dsn (role ``mcr_planning``)          loopback ``mcr`` db
MCR_PLANNING_SCHEMA        schema_name (the store's own schema)          planning
MCR_RECEIPTS_SCHEMA        receipts_schema (the one receipts store)      governance
MCR_PLANNING_GROUP         group_id (consumer group)                     mcr-projection-planning
MCR_PLANNING_BATCH         batch_size (messages applied per transaction) 1000
=========================  ============================================  ======================
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mcr.core.kafka_acls import PLANNING_GROUP
from mcr.core.kafka_client import KafkaClient
from mcr.core.settings import (
    McrSettings,
    PlanningDsn,
    SecretUrl,
    SqlIdentifier,
    TopicPrefix,
    local_dsn,
    whole_number,
)
from schemas.events import DLQ_TOPIC, PLANNING_TOPIC

__all__ = ["PlanningStoreSettings"]


class PlanningStoreSettings(McrSettings):
    """Where the planning store reads and writes."""

    kafka: KafkaClient
    """``MCR_KAFKA_*``: the worker runs as ``mcr-planning``, ``mcr rebuild planning`` as
    ``mcr-ops``, unless ``MCR_KAFKA_USERNAME`` names another principal."""
    topic_prefix: TopicPrefix = ""
    postgres_dsn: PlanningDsn = SecretUrl(local_dsn("mcr_planning"))
    schema_name: Annotated[SqlIdentifier, Field(validation_alias="MCR_PLANNING_SCHEMA")] = (
        "planning"
    )
    receipts_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_RECEIPTS_SCHEMA")] = (
        "governance"
    )
    group_id: Annotated[str, Field(validation_alias="MCR_PLANNING_GROUP")] = PLANNING_GROUP
    batch_size: Annotated[
        int, whole_number(minimum=1), Field(validation_alias="MCR_PLANNING_BATCH")
    ] = 1000

    @property
    def planning_topic(self) -> str:
        return self.topic_prefix + PLANNING_TOPIC

    @property
    def dlq_topic(self) -> str:
        return self.topic_prefix + DLQ_TOPIC
