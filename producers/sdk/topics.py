"""Create and delete topics: for benchmarks and source systems bootstrapping a local stack.

Production topics are created by the deploy scripts with their retention settings; this is a
thin wrapper for short-lived topics.
"""

from __future__ import annotations

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from mcr.core.kafka_client import KafkaClientSettings
from producers.sdk.errors import PublishError

_TIMEOUT_S = 30.0


def create_topic(kafka: KafkaClientSettings, name: str, *, partitions: int = 1) -> str:
    """Create topic ``name`` (replication factor 1) as ``kafka``'s principal (it needs CREATE
    on the name); returns the name. Raises PublishError."""
    admin = AdminClient(kafka.config())
    futures = admin.create_topics([NewTopic(name, partitions, 1)], operation_timeout=_TIMEOUT_S)
    try:
        futures[name].result(timeout=_TIMEOUT_S)
    except KafkaException as exc:
        raise PublishError(f"could not create topic {name}") from exc
    return name


def delete_topic(kafka: KafkaClientSettings, name: str) -> None:
    """Delete topic ``name``; raises PublishError when the broker refuses."""
    admin = AdminClient(kafka.config())
    futures = admin.delete_topics([name], operation_timeout=_TIMEOUT_S)
    try:
        futures[name].result(timeout=_TIMEOUT_S)
    except KafkaException as exc:
        raise PublishError(f"could not delete topic {name}") from exc
