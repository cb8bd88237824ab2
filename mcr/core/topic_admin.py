"""Create Kafka topics that do not exist yet (idempotent), and align existing topics' configs,
with the settings of ``schemas/topics.toml``.

One routine for every topic the project makes for itself: the pipeline's topics at
``mcr stack up``, organisations' source topics, the audit anchors, the dead-letter re-drive
log, benchmark topics. Each name's partitions, replication factor and configuration
(retention, cleanup, ``min.insync.replicas``) come from its family in the table, for the
client's ``MCR_KAFKA_TOPIC_PROFILE``. Only throwaway topic spaces (tests, benchmarks,
sandboxes) choose their own partition count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # not all in __all__
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
    ResourceType,
)

from mcr.core.errors import McrError
from mcr.core.kafka_client import KafkaClientSettings
from schemas.errors import SchemaError
from schemas.topics import TopicSpec, topic_table

__all__ = ["TopicCreateError", "align_topic_configs", "create_missing_topics", "topic_spec"]

_TIMEOUT_S = 30.0


class TopicCreateError(McrError):
    """A topic could not be created or configured (for another reason than already
    existing), or has no entry in the topic table."""


def topic_spec(
    name: str, profile: str, *, family: str | None = None, partitions: int | None = None
) -> TopicSpec:
    """``name``'s settings from the table (``partitions``: a throwaway space's own count).

    Raises TopicCreateError when the table has no family for it."""
    try:
        spec = topic_table().spec(name, profile, family=family)
    except SchemaError as exc:
        raise TopicCreateError(f"topic {name}: {exc}") from exc
    return spec if partitions is None else replace(spec, partitions=partitions)


def create_topics_with(
    admin: AdminClient,
    names: Sequence[str],
    *,
    profile: str,
    family: str | None = None,
    partitions: int | None = None,
) -> list[str]:
    """:func:`create_missing_topics` with an admin client already made."""
    if not names:
        return []
    specs = {name: topic_spec(name, profile, family=family, partitions=partitions)
             for name in names}  # fmt: skip
    futures = admin.create_topics(
        [NewTopic(name, s.partitions, s.replication_factor, config=s.config())
         for name, s in specs.items()],
        operation_timeout=_TIMEOUT_S, request_timeout=_TIMEOUT_S,
    )  # fmt: skip
    created = []
    for name, future in futures.items():
        try:
            future.result(timeout=_TIMEOUT_S)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise TopicCreateError(f"topic {name}: could not be created") from exc
    return sorted(created)


def create_missing_topics(
    kafka: KafkaClientSettings,
    names: Sequence[str],
    *,
    family: str | None = None,
    partitions: int | None = None,
) -> list[str]:
    """Create each of ``names`` that does not exist yet, as the table says for its family (or
    ``family`` for every name, when the caller knows it and the name is configurable);
    returns those it created (sorted).

    Raises TopicCreateError naming the first topic without a family, or that could not be
    created."""
    admin = AdminClient(kafka.config())  # kept alive until the answers
    return create_topics_with(
        admin, names, profile=kafka.topic_profile, family=family, partitions=partitions
    )


def align_topic_configs(kafka: KafkaClientSettings, names: Sequence[str]) -> None:
    """Set the table's configuration on each of ``names`` (existing topics; an incremental
    change: other settings stay). Partitions and replicas are not changed (that is a
    reassignment, an operator's decision). Raises TopicCreateError naming the topic."""
    if not names:
        return
    admin = AdminClient(kafka.config())
    resources = [
        ConfigResource(
            ResourceType.TOPIC,
            name,
            incremental_configs=[
                ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)
                for key, value in topic_spec(name, kafka.topic_profile).config().items()
            ],
        )
        for name in names
    ]
    futures = admin.incremental_alter_configs(resources, request_timeout=_TIMEOUT_S)
    for resource, future in futures.items():
        try:
            future.result(timeout=_TIMEOUT_S)
        except KafkaException as exc:
            raise TopicCreateError(f"topic {resource.name}: configs not set") from exc
