"""Create and delete topics: for benchmarks and source systems bootstrapping a local stack.

Production topics are created by the deploy scripts; this is a thin wrapper for short-lived
topics. Replication and configuration still come from ``schemas/topics.toml`` (the name's
family, for the client's ``MCR_KAFKA_TOPIC_PROFILE``).
"""

from __future__ import annotations

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.topic_admin import TopicCreateError, topic_spec
from producers.sdk.errors import PublishError

_TIMEOUT_S = 30.0


def create_topic(kafka: KafkaClientSettings, name: str, *, partitions: int = 1) -> str:
    """Create topic ``name`` with ``partitions`` and its family's replication and config, as
    ``kafka``'s principal (it needs CREATE on the name); returns the name. Raises PublishError
    (also when the name has no family in the table, or the topic exists)."""
    try:
        spec = topic_spec(name, kafka.topic_profile, partitions=partitions)
    except TopicCreateError as exc:
        raise PublishError(f"could not create topic {name}: no family in topics.toml") from exc
    admin = AdminClient(kafka.config())
    new = NewTopic(name, spec.partitions, spec.replication_factor, config=spec.config())
    futures = admin.create_topics([new], operation_timeout=_TIMEOUT_S)
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
