"""``mcr record verify``: read the log and the index, report how they differ. Thin I/O.

The topics are read with an assigned consumer from the beginning to the end offsets taken at
the start, so no consumer group is joined and no worker is disturbed. The projection group's
committed offsets are compared with the same ends first: a projection that has not caught up
would show differences that are only lag, so the caller is told instead (see :class:`Lagging`).
The pure comparison is :mod:`projections.record.expected`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from confluent_kafka import Consumer, TopicPartition
from opensearchpy import OpenSearch
from opensearchpy.helpers import scan

from mcr.core.kafka_acls import OPS
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.topic_reader import LoggedMessage, TopicReadError, end_offsets, read_topic
from projections.record.errors import VerifyError
from projections.record.expected import (
    IndexedDoc,
    VerifyReport,
    compare,
    expected_record,
)
from projections.record.messages import RawMessage
from projections.record.settings import RecordSettings
from projections.record.writer import translated
from schemas.events import DLQ_OFFSET, DLQ_PARTITION, DLQ_STAGE, DLQ_TOPIC_HEADER

__all__ = ["Lagging", "verify_record"]

_INDEX_FIELDS = ["doc_kind", "deleted", "person_id", "record_type", "summary.counts"]
Ends = dict[tuple[str, int], int]


@dataclass(frozen=True)
class Lagging:
    """The projection group has not yet committed the ends of its topics."""

    behind: int


def _raw(message: LoggedMessage) -> RawMessage:
    return RawMessage(message.topic, message.partition, message.offset, message.key,
                      message.value, list(message.headers), message.timestamp_ms)  # fmt: skip


def _read(kafka: KafkaClientSettings, topic: str, ends: dict[int, int]) -> list[RawMessage]:
    return [_raw(m) for m in read_topic(kafka, topic, ends=ends)]


def _behind(settings: RecordSettings, ends: Ends) -> int:
    consumer = Consumer(settings.kafka.resolve(OPS).config(
        **{"group.id": settings.group_id, "enable.auto.commit": False}))  # fmt: skip
    try:
        committed = consumer.committed([TopicPartition(t, p) for t, p in ends], timeout=10)
    finally:
        consumer.close()
    done = {(tp.topic, tp.partition): max(tp.offset, 0) for tp in committed}
    return sum(max(0, end - done.get(tp, 0)) for tp, end in ends.items())


def _dead_lettered(settings: RecordSettings) -> set[tuple[int, int]]:
    """(partition, offset) of the source topic's messages the projection dead-lettered."""
    found: set[tuple[int, int]] = set()
    kafka = settings.kafka.resolve(OPS)
    for letter in read_topic(kafka, settings.dlq_topic, missing_ok=True):
        if (letter.header(DLQ_STAGE) or "").startswith("projection.record") and (
            letter.header(DLQ_TOPIC_HEADER) == settings.source_topic
        ):
            partition, offset = letter.header(DLQ_PARTITION), letter.header(DLQ_OFFSET)
            if partition and offset and partition.isdigit() and offset.isdigit():
                found.add((int(partition), int(offset)))
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
    bootstrap = settings.kafka.resolve(OPS)  # an operator's check, as the ops principal
    try:
        shared_ends = end_offsets(bootstrap, settings.source_topic)
        change_ends = end_offsets(bootstrap, settings.identity_topic)
        ends = {(settings.source_topic, p): e for p, e in shared_ends.items()}
        ends.update({(settings.identity_topic, p): e for p, e in change_ends.items()})
        behind = _behind(settings, ends)
        if behind:
            return Lagging(behind)
        dead = _dead_lettered(settings)
        changes = _read(bootstrap, settings.identity_topic, change_ends)
        shared = _read(bootstrap, settings.source_topic, shared_ends)
    except TopicReadError as exc:
        raise VerifyError(str(exc)) from exc
    expected = expected_record(shared, changes, dead_lettered=dead)
    return compare(expected, _index(client, settings.alias))
