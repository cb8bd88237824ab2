"""The pipeline's topics, created up front with deliberate partition counts (idempotent).

Auto-created topics would get the broker default and a consumer started before its producer
would not see them; creating them here makes `make run` order-independent.
"""

from __future__ import annotations

from collections.abc import Sequence

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from deploy.local.errors import StackError
from schemas.events import (
    DLQ_TOPIC,
    IDENTITY_CHANGES_TOPIC,
    LINKED_TOPIC,
    PLANNING_TOPIC,
    SHARED_TOPIC,
    SOURCE_TOPICS,
)

PIPELINE_TOPICS: tuple[str, ...] = (
    *SOURCE_TOPICS,
    LINKED_TOPIC,
    IDENTITY_CHANGES_TOPIC,
    SHARED_TOPIC,
    PLANNING_TOPIC,
    DLQ_TOPIC,
)
PARTITIONS = 4
_TIMEOUT_S = 30.0


def ensure_topics(
    bootstrap: str,
    *,
    prefix: str = "",
    partitions: int = PARTITIONS,
    names: Sequence[str] = PIPELINE_TOPICS,
) -> list[str]:
    """Create each of ``names`` (default: every pipeline topic), after ``prefix``, that does
    not exist yet; returns the names it created. Raises StackError naming a topic that could
    not be created."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    wanted = [prefix + name for name in names]
    futures = admin.create_topics(
        [NewTopic(name, partitions, 1) for name in wanted], operation_timeout=_TIMEOUT_S
    )
    created = []
    for name, future in futures.items():
        try:
            future.result(timeout=_TIMEOUT_S)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise StackError(f"topic {name}: could not be created") from exc
    return sorted(created)
