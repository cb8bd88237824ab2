"""``mcr status`` against the real broker, PostgreSQL and OpenSearch: a stage with no member is
down, a member that commits nothing while messages wait is stuck, and once everything is
committed and every stage has a member the pipeline is healthy (exit 0)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch
from typer.testing import CliRunner

from deploy.local import StackSettings
from deploy.local.topics import ensure_topics
from mcr.cli import app
from schemas.events import (
    IDENTITY_CHANGES_TOPIC,
    LINKED_TOPIC,
    PLANNING_TOPIC,
    SHARED_TOPIC,
    organisation_topic,
)

WAITING = 5
ORG = "E81001"


@pytest.fixture
def space(stack: StackSettings) -> Iterator[dict[str, str]]:
    """Prefixed pipeline topics with ``WAITING`` messages on the patient source topic, an
    alias in OpenSearch, and the environment that points ``mcr status`` at them."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    source = organisation_topic(ORG, prefix=prefix)
    created = ensure_topics(stack.kafka_admin, prefix=prefix, partitions=1)
    created += ensure_topics(stack.kafka_admin, names=[source], partitions=1)
    producer = Producer(stack.kafka_admin.config())
    for n in range(WAITING):
        producer.produce(source, key=b"k", value=str(n).encode())
    assert producer.flush(30) == 0
    alias = f"t-status-{uuid.uuid4().hex[:8]}"
    client = OpenSearch(hosts=[stack.opensearch_url], ca_certs=str(stack.opensearch_ca_file))
    client.indices.create(index=f"{alias}-v1", body={"aliases": {alias: {}}})
    env = {
        **stack.kafka_admin.environment(),  # as the admin: the test's topic names
        "MCR_TOPIC_PREFIX": prefix,
        "MCR_STREAMS_APP_ID": f"{prefix}streams",
        "MCR_RECORD_GROUP": f"{prefix}record",
        "MCR_RECORD_SOURCE_TOPIC": prefix + SHARED_TOPIC,
        "MCR_RECORD_IDENTITY_TOPIC": prefix + IDENTITY_CHANGES_TOPIC,
        "MCR_RECORD_DLQ_TOPIC": prefix + "mcr.dlq",
        "MCR_RECORD_ALIAS": alias,
        "MCR_PLANNING_GROUP": f"{prefix}planning",
        "MCR_IDENTITY_SCHEMA": f"t_status_{uuid.uuid4().hex[:8]}",  # none yet: reported so
    }
    yield env
    client.indices.delete(index=f"{alias}-v1")
    client.close()
    admin = AdminClient(stack.kafka_admin.config())
    for future in admin.delete_topics(created).values():
        future.result(timeout=30)


def _status(env: dict[str, str]) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(app, ["status", "--json", "--interval", "1"], env=env)
    return result.exit_code, json.loads(result.output)


def _states(found: dict[str, object]) -> dict[str, tuple[str, int]]:
    stages = found["stages"]
    assert isinstance(stages, list)
    return {s["name"]: (s["state"], s["lag"]) for s in stages}


def _member(stack: StackSettings, group: str, topics: list[str]) -> Consumer:
    """A group member holding its partitions, committing nothing by itself."""
    consumer = Consumer(stack.kafka_admin.config(**{
        "group.id": group, "enable.auto.commit": False, "auto.offset.reset": "earliest"}))  # fmt: skip
    consumer.subscribe(topics)
    for _ in range(100):
        consumer.poll(0.2)
        if consumer.assignment():
            break
    assert consumer.assignment(), "no partitions assigned"
    return consumer


def test_status_judges_down_then_stuck_then_healthy(
    stack: StackSettings, space: dict[str, str]
) -> None:
    code, found = _status(space)
    assert code == 1 and not found["healthy"]
    assert _states(found)["identity"] == ("down", WAITING)
    assert {s["name"]: s["ok"] for s in found["stores"]} == {  # type: ignore[union-attr]
        "kafka": True, "postgresql": True, "opensearch": True}  # fmt: skip

    prefix = space["MCR_TOPIC_PREFIX"]
    source = organisation_topic(ORG, prefix=prefix)
    # the streams stages as they run: identity in the app's group, consent and
    # de-identification in its -linked group
    streams = _member(stack, space["MCR_STREAMS_APP_ID"], [source])
    linked = _member(stack, space["MCR_STREAMS_APP_ID"] + "-linked",
                     [prefix + LINKED_TOPIC, prefix + IDENTITY_CHANGES_TOPIC])  # fmt: skip
    record = _member(stack, space["MCR_RECORD_GROUP"],
                     [space["MCR_RECORD_SOURCE_TOPIC"], space["MCR_RECORD_IDENTITY_TOPIC"]])  # fmt: skip
    planning = _member(stack, space["MCR_PLANNING_GROUP"], [prefix + PLANNING_TOPIC])
    try:
        code, found = _status(space)
        assert code == 1 and _states(found)["identity"] == ("stuck", WAITING)
        groups = {s["name"]: s["group"] for s in found["stages"]}  # type: ignore[union-attr]
        assert groups["consent"] == space["MCR_STREAMS_APP_ID"] + "-linked"

        streams.commit(offsets=[TopicPartition(source, 0, WAITING)], asynchronous=False)
        code, found = _status(space)
        assert _states(found) == {"identity": ("caught-up", 0), "consent": ("caught-up", 0),
                                  "record": ("caught-up", 0), "planning": ("caught-up", 0)}  # fmt: skip
        assert code == 0 and found["healthy"]
        assert found["reviews_pending"] is None  # no identity schema in this space
    finally:
        streams.close()
        linked.close()
        record.close()
        planning.close()
