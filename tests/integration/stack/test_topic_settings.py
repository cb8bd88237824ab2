"""After `mcr stack up`, the broker holds the topic table's settings (schemas/topics.toml):
describe_configs on a source, the linked and the dead-letter topic shows them."""

from __future__ import annotations

import uuid

from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

from deploy.local import StackSettings
from deploy.local.principals import ensure_organisations
from deploy.local.topics import align_topics
from schemas.events import ASSERTED_SOURCE_TOPIC, DLQ_TOPIC, LINKED_TOPIC
from schemas.topics import topic_table

KEYS = ("retention.ms", "retention.bytes", "min.insync.replicas", "cleanup.policy")


def _configs(admin: AdminClient, topic: str) -> dict[str, str]:
    future = admin.describe_configs([ConfigResource(ResourceType.TOPIC, topic)])
    entries = next(iter(future.values())).result(timeout=30)
    return {key: entries[key].value for key in KEYS}


def _delete(admin: AdminClient, names: list[str]) -> None:
    for future in admin.delete_topics(names, operation_timeout=30).values():
        future.result(timeout=30)


def test_stack_topics_carry_the_configured_retention_and_min_insync(stack: StackSettings) -> None:
    """The asserted source, linked and dead-letter topics: retention forever, the local
    profile's min.insync.replicas (1), and the table's replication (1) and partitions."""
    admin = AdminClient(stack.kafka_admin.config())
    for topic in (ASSERTED_SOURCE_TOPIC, LINKED_TOPIC, DLQ_TOPIC):
        expected = topic_table().spec(topic, "local")
        assert _configs(admin, topic) == {key: expected.config()[key] for key in KEYS}, topic
        assert _configs(admin, topic)["retention.ms"] == "-1"
        partitions = admin.list_topics(topic, timeout=10).topics[topic].partitions
        assert {len(p.replicas) for p in partitions.values()} == {1}


def test_an_organisation_topic_is_made_with_the_source_settings(stack: StackSettings) -> None:
    """Provisioning an organisation (as `mcr demo up` does) makes its topic kept forever, with
    the source family's partitions."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    topic = f"{prefix}mcr.source.RC9"
    admin = AdminClient(stack.kafka_admin.config())
    try:
        ensure_organisations(stack.kafka_admin, ["RC9"], topic_prefix=prefix)
        assert _configs(admin, topic)["retention.ms"] == "-1"
        assert _configs(admin, topic)["min.insync.replicas"] == "1"
        assert len(admin.list_topics(topic, timeout=10).topics[topic].partitions) == 4
    finally:
        _delete(admin, [topic])


def test_stack_up_sets_the_table_on_a_topic_made_before_it(stack: StackSettings) -> None:
    """A linked topic made with a week's retention (as an older version might have) gets the
    table's settings back when aligned, as `mcr stack up` does for the pipeline topics."""
    topic = f"t{uuid.uuid4().hex[:8]}.{LINKED_TOPIC}"
    admin = AdminClient(stack.kafka_admin.config())
    week = {"retention.ms": str(7 * 24 * 3600 * 1000), "cleanup.policy": "compact"}
    admin.create_topics([NewTopic(topic, 1, 1, config=week)])[topic].result(timeout=30)
    try:
        assert _configs(admin, topic)["retention.ms"] == week["retention.ms"]
        align_topics(stack.kafka_admin, [topic])
        assert _configs(admin, topic)["retention.ms"] == "-1"
        assert _configs(admin, topic)["cleanup.policy"] == "delete"
    finally:
        _delete(admin, [topic])
