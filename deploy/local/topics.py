"""The pipeline's topics, created up front with the settings of ``schemas/topics.toml``
(idempotent), and those settings set again on topics that exist.

Auto-created topics would get the broker default and a consumer started before its producer
would not see them; creating them here makes `make run` order-independent.
"""

from __future__ import annotations

from collections.abc import Sequence

from deploy.local.errors import StackError
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.topic_admin import TopicCreateError, align_topic_configs, create_missing_topics
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


def ensure_topics(
    kafka: KafkaClientSettings,
    *,
    prefix: str = "",
    partitions: int | None = None,
    names: Sequence[str] = PIPELINE_TOPICS,
) -> list[str]:
    """Create each of ``names`` (default: every pipeline topic), after ``prefix``, that does
    not exist yet, as ``schemas/topics.toml`` says (``partitions``: a throwaway space's own
    count); returns the names it created. Raises StackError naming a topic that could not be
    created."""
    try:
        return create_missing_topics(
            kafka, [prefix + name for name in names], partitions=partitions
        )
    except TopicCreateError as exc:
        raise StackError(str(exc)) from exc


def align_topics(kafka: KafkaClientSettings, names: Sequence[str] = PIPELINE_TOPICS) -> None:
    """Set the table's retention, cleanup and ``min.insync.replicas`` on each of ``names``
    (topics made before the table, or by an older version). Raises StackError."""
    try:
        align_topic_configs(kafka, names)
    except TopicCreateError as exc:
        raise StackError(str(exc)) from exc
