"""Create Kafka topics that do not exist yet (idempotent), with a partition count and config.

One routine for every topic the project makes for itself: the pipeline's topics at
``mcr stack up``, the audit anchors, the dead-letter re-drive log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # NewTopic: not in __all__
    AdminClient,
    NewTopic,
)

from mcr.core.errors import McrError
from mcr.core.kafka_client import KafkaClientSettings

__all__ = ["TopicCreateError", "create_missing_topics"]

_TIMEOUT_S = 30.0


class TopicCreateError(McrError):
    """A topic could not be created (for another reason than already existing)."""


def create_missing_topics(
    kafka: KafkaClientSettings,
    names: Sequence[str],
    *,
    partitions: int,
    config: Mapping[str, str] | None = None,
) -> list[str]:
    """Create each of ``names`` that does not exist yet; returns those it created (sorted).

    Raises TopicCreateError naming the first topic that could not be created."""
    if not names:
        return []
    admin = AdminClient(kafka.config())  # kept alive until the answers
    futures = admin.create_topics(
        [NewTopic(name, partitions, 1, config=dict(config or {})) for name in names],
        operation_timeout=_TIMEOUT_S,
    )
    created = []
    for name, future in futures.items():
        try:
            future.result(timeout=_TIMEOUT_S)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise TopicCreateError(f"topic {name}: could not be created") from exc
    return sorted(created)
