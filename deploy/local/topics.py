"""The pipeline's topics, created up front with deliberate partition counts (idempotent).

Auto-created topics would get the broker default and a consumer started before its producer
would not see them; creating them here makes `make run` order-independent.
"""

from __future__ import annotations

from collections.abc import Sequence

from deploy.local.errors import StackError
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.topic_admin import TopicCreateError, create_missing_topics
from schemas.events import (
    ASSERTED_SOURCE_TOPIC,
    DLQ_TOPIC,
    IDENTITY_CHANGES_TOPIC,
    LINKED_TOPIC,
    PLANNING_TOPIC,
    SHARED_TOPIC,
)

# Organisations' source topics are made when each organisation is provisioned
# (mcr.core.kafka_principals), not here.
PIPELINE_TOPICS: tuple[str, ...] = (
    ASSERTED_SOURCE_TOPIC,
    LINKED_TOPIC,
    IDENTITY_CHANGES_TOPIC,
    SHARED_TOPIC,
    PLANNING_TOPIC,
    DLQ_TOPIC,
)
PARTITIONS = 4


def ensure_topics(
    kafka: KafkaClientSettings,
    *,
    prefix: str = "",
    partitions: int = PARTITIONS,
    names: Sequence[str] = PIPELINE_TOPICS,
) -> list[str]:
    """Create each of ``names`` (default: every pipeline topic), after ``prefix``, that does
    not exist yet; returns the names it created. Raises StackError naming a topic that could
    not be created."""
    try:
        return create_missing_topics(
            kafka, [prefix + name for name in names], partitions=partitions
        )
    except TopicCreateError as exc:
        raise StackError(str(exc)) from exc
