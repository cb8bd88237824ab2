"""``mcr record verify``: read the log and the index, report how they differ. Thin I/O.

The topics are read with an assigned consumer from the beginning to the end offsets taken at
the start, so no consumer group is joined and no worker is disturbed. The projection group's
committed offsets are compared with the same ends first: a projection that has not caught up
would show differences that are only lag, so the caller is told instead (see :class:`Lagging`).
The pure comparison is :mod:`projections.record.expected`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from opensearchpy import OpenSearch
from opensearchpy.helpers import scan

from projections.record.errors import VerifyError
from projections.record.expected import (
    IndexedDoc,
    VerifyReport,
    compare,
    expected_record,
)
from projections.record.messages import RawMessage, from_kafka
from projections.record.settings import RecordSettings
from projections.record.writer import translated
from schemas.events import DLQ_OFFSET, DLQ_PARTITION, DLQ_STAGE, DLQ_TOPIC_HEADER

__all__ = ["Lagging", "verify_record"]

READ_TIMEOUT_S = 300.0
_INDEX_FIELDS = ["doc_kind", "deleted", "person_id", "record_type", "summary.counts"]
Ends = dict[tuple[str, int], int]


@dataclass(frozen=True)
class Lagging:
    """The projection group has not yet committed the ends of its topics."""

    behind: int


def _consumer(bootstrap: str, group: str) -> Consumer:
    return Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                     "enable.auto.commit": False, "enable.partition.eof": True})  # fmt: skip


def _ends(consumer: Consumer, topic: str) -> Ends:
    metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
    if metadata is None or metadata.error is not None:
        raise VerifyError(f"{topic}: topic not found")
    return {
        (topic, p): consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
        for p in sorted(metadata.partitions)
    }


def _read(consumer: Consumer, ends: Ends) -> Iterator[RawMessage]:
    """Every message up to ``ends`` (each partition in order)."""
    pending = {tp for tp, end in ends.items() if end > 0}
    consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t, p in sorted(pending)])
    deadline = time.monotonic() + READ_TIMEOUT_S
    while pending:
        if time.monotonic() > deadline:
            raise VerifyError(f"log not read to its end within {READ_TIMEOUT_S:.0f} s")
        for message in consumer.consume(num_messages=5000, timeout=0.5):
            error = message.error()
            if error is not None and error.code() != KafkaError._PARTITION_EOF:
                raise VerifyError(f"log read failed ({error.name()})")
            where = (message.topic() or "", message.partition() or 0)
            offset = message.offset() or 0
            if error is None and offset < ends.get(where, 0):
                yield from_kafka(message)
                offset += 1
            if offset >= ends.get(where, 0):
                pending.discard(where)
    consumer.unassign()


def _behind(settings: RecordSettings, ends: Ends) -> int:
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap,
                         "group.id": settings.group_id, "enable.auto.commit": False})  # fmt: skip
    try:
        committed = consumer.committed([TopicPartition(t, p) for t, p in ends], timeout=10)
    finally:
        consumer.close()
    done = {(tp.topic, tp.partition): max(tp.offset, 0) for tp in committed}
    return sum(max(0, end - done.get(tp, 0)) for tp, end in ends.items())


def _dead_lettered(consumer: Consumer, settings: RecordSettings) -> set[tuple[int, int]]:
    """(partition, offset) of the source topic's messages the projection dead-lettered."""
    found: set[tuple[int, int]] = set()
    for letter in _read(consumer, _ends(consumer, settings.dlq_topic)):
        if (letter.text_header(DLQ_STAGE) or "").startswith("projection.record") and (
            letter.text_header(DLQ_TOPIC_HEADER) == settings.source_topic
        ):
            partition, offset = letter.int_header(DLQ_PARTITION), letter.int_header(DLQ_OFFSET)
            if partition is not None and offset is not None:
                found.add((partition, offset))
    return found


def _index(client: OpenSearch, alias: str) -> Iterator[IndexedDoc]:
    query = {"query": {"bool": {"must_not": [{"term": {"doc_kind": "route"}}]}},
             "version": True, "_source": _INDEX_FIELDS}  # fmt: skip
    with translated("verify scan"):
        client.indices.refresh(index=alias)
        for hit in scan(client, index=alias, query=query, size=1000):
            yield IndexedDoc.of_hit(hit)


def verify_record(settings: RecordSettings, client: OpenSearch) -> VerifyReport | Lagging:
    """Compare the alias with the log, or say how far the projection is behind.

    Raises VerifyError when a topic is missing or cannot be read to its end.
    """
    consumer = _consumer(settings.kafka_bootstrap, f"mcr-verify-{uuid.uuid4().hex[:12]}")
    try:
        shared_ends = _ends(consumer, settings.source_topic)
        change_ends = _ends(consumer, settings.identity_topic)
        behind = _behind(settings, {**shared_ends, **change_ends})
        if behind:
            return Lagging(behind)
        dead = _dead_lettered(consumer, settings)
        changes = list(_read(consumer, change_ends))
        shared = list(_read(consumer, shared_ends))
    finally:
        consumer.close()
    expected = expected_record(shared, changes, dead_lettered=dead)
    return compare(expected, _index(client, settings.alias))
