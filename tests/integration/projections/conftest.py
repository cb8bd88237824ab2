"""Fixtures for the record projection against the real stack: fresh topics, a fresh alias
(and index template) per test, a worker running in a thread, and small helpers."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer
from opensearchpy import OpenSearch

from deploy.local import StackSettings
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.settings import replace
from projections.record.ids import template_name
from projections.record.runner import RecordWorker
from projections.record.settings import RecordSettings

Headers = list[tuple[str, bytes]]


@pytest.fixture
def record_settings(
    stack: StackSettings, topic_factory: Callable[..., str], opensearch_client: OpenSearch
) -> Iterator[RecordSettings]:
    """Settings on fresh topics and a fresh alias, with short intervals for fast tests."""
    alias = f"t-rec-{uuid.uuid4().hex[:10]}"
    settings = RecordSettings(
        kafka=stack.kafka_admin,
        opensearch_url=stack.opensearch_user_url("mcr_projection"),
        opensearch_ca_file=str(stack.opensearch_ca_file),
        postgres_dsn=stack.operator_dsn,  # purge receipts: the operators' role
        source_topic=topic_factory("linked", partitions=2),
        identity_topic=topic_factory("identity"),
        dlq_topic=topic_factory("dlq"),
        receipt_topic=topic_factory("receipts"),
        group_id=f"t-proj-{uuid.uuid4().hex[:10]}",
        alias=alias,
        flush_interval_ms=50,
        commit_interval_ms=200,
        refresh_interval="200ms",
        backoff_initial_ms=50,
        backoff_max_ms=400,
    )
    yield settings
    opensearch_client.indices.delete(index=f"{alias}-v*", params={"ignore_unavailable": "true"})
    opensearch_client.indices.delete_index_template(
        name=template_name(alias), params={"ignore": 404}
    )


class RunningWorker:
    """A RecordWorker in a background thread; ``stop()`` settles and joins it."""

    def __init__(self, settings: RecordSettings, client: OpenSearch | None = None) -> None:
        self.stop_event = threading.Event()
        self.worker = RecordWorker(settings, stop=self.stop_event, client=client)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.worker.run()
        except BaseException as exc:  # surfaced by stop()
            self.error = exc

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "worker did not stop"
        if self.error is not None:
            raise self.error


@pytest.fixture
def start_worker() -> Iterator[Callable[..., RunningWorker]]:
    """Start workers for a test; every one still running is stopped afterwards."""
    started: list[RunningWorker] = []

    def start(settings: RecordSettings, client: OpenSearch | None = None) -> RunningWorker:
        running = RunningWorker(settings, client)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.thread.is_alive():
            running.stop()


def produce(
    kafka: KafkaClientSettings,
    topic: str,
    messages: list[tuple[bytes | None, bytes, Headers]],
    partition: int | None = None,
) -> None:
    """Produce ``messages`` (key, value, headers) in order and wait for acknowledgement."""
    producer = Producer(kafka.config(**{"enable.idempotence": True}))
    for key, value, headers in messages:
        kwargs: dict[str, Any] = {"key": key, "value": value, "headers": headers}
        if partition is not None:
            kwargs["partition"] = partition
        producer.produce(topic, **kwargs)
    assert producer.flush(30) == 0


def consume_all(
    kafka: KafkaClientSettings, topic: str, expected: int, timeout_s: float = 20.0
) -> list[Any]:
    """Read ``expected`` messages from the start of ``topic`` (fewer if the timeout passes)."""
    consumer = Consumer(kafka.config(**{"group.id": f"t-read-{uuid.uuid4().hex}",
                        "auto.offset.reset": "earliest", "enable.auto.commit": False}))  # fmt: skip
    consumer.subscribe([topic])
    found: list[Any] = []
    deadline = time.monotonic() + timeout_s
    while len(found) < expected and time.monotonic() < deadline:
        message = consumer.poll(0.2)
        if message is not None and message.error() is None:
            found.append(message)
    consumer.close()
    return found


def wait_until(predicate: Callable[[], bool], timeout_s: float = 30.0, what: str = "") -> None:
    """Poll ``predicate`` every 100 ms until it is true; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what or 'condition'}")


def all_documents(client: OpenSearch, alias: str) -> dict[str, dict[str, Any]]:
    """Every document behind ``alias`` by id, with ``_version`` added (after a refresh)."""
    client.indices.refresh(index=alias)
    response = client.search(
        index=alias, body={"query": {"match_all": {}}, "size": 10_000, "version": True}
    )
    return {
        hit["_id"]: {**hit["_source"], "_version": hit["_version"]}
        for hit in response["hits"]["hits"]
    }


def committed(settings: RecordSettings, topic: str, partitions: int) -> list[int]:
    """Committed offsets of the settings' group on ``topic`` (-1001 when none)."""
    from confluent_kafka import TopicPartition

    consumer = Consumer(settings.kafka.config(**{"group.id": settings.group_id}))
    offsets = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
    consumer.close()
    return [tp.offset for tp in offsets]


def with_overrides(settings: RecordSettings, **changes: Any) -> RecordSettings:
    """A copy of ``settings`` with ``changes``."""
    return replace(settings, **changes)
