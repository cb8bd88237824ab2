"""Read a Kafka topic from its beginning to its end *now*, without joining a consumer group.

Every tool that checks the log against something (``mcr record verify``, ``mcr audit
verify``, ``mcr dlq``, the benchmarks' accounting) needs the same thing: each partition read in
offset order up to the end offsets taken at the start, with an assigned consumer (no group is
joined, so no worker is disturbed and nothing is committed), and a loud failure when the read
cannot finish rather than a silently short answer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from mcr.core.errors import McrError
from mcr.core.kafka_client import KafkaClientSettings

__all__ = ["READER_GROUP_PREFIX", "LoggedMessage", "TopicReadError", "end_offsets", "read_topic"]

Headers = tuple[tuple[str, bytes], ...]
_DENIED = (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED)


class TopicReadError(McrError):
    """A topic could not be read to its end (missing, unreachable, or too slow)."""


@dataclass(frozen=True)
class LoggedMessage:
    """One message as it sits in the log."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: Headers

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` as text, or None."""
        found = None
        for key, value in self.headers:
            if key == name:
                found = value.decode("utf-8", errors="replace")
        return found


READER_GROUP_PREFIX = "mcr-reader-"


def _consumer(kafka: KafkaClientSettings, group_prefix: str = READER_GROUP_PREFIX) -> Consumer:
    # A group id is needed by the client though none is joined; a principal reads under a
    # prefix its ACLs already cover (the streams worker: its application id).
    return Consumer(kafka.config(**{"enable.auto.commit": False,
                                    "group.id": f"{group_prefix}{uuid.uuid4().hex[:12]}",
                                    "enable.partition.eof": True}))  # fmt: skip


def end_offsets(
    kafka: KafkaClientSettings, topic: str, *, missing_ok: bool = False
) -> dict[int, int]:
    """Partition -> end offset of ``topic`` now ({} for a missing topic when ``missing_ok``).

    Raises TopicReadError when the topic is missing (unless ``missing_ok``)."""
    consumer = _consumer(kafka)
    try:
        return _ends(consumer, topic, missing_ok=missing_ok)
    finally:
        consumer.close()


def _ends(consumer: Consumer, topic: str, *, missing_ok: bool) -> dict[int, int]:
    metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
    if metadata is not None and metadata.error is not None and metadata.error.code() in _DENIED:
        # Never "missing": a checker that may not read the log must fail, not pass empty.
        raise TopicReadError(f"{topic}: not authorised to read it")
    if metadata is None or metadata.error is not None:
        if missing_ok:
            return {}
        raise TopicReadError(f"{topic}: topic not found")
    return {
        p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
        for p in sorted(metadata.partitions)
    }


def read_topic(
    kafka: KafkaClientSettings,
    topic: str,
    *,
    ends: dict[int, int] | None = None,
    missing_ok: bool = False,
    timeout_s: float = 300.0,
    group_prefix: str = READER_GROUP_PREFIX,
) -> Iterator[LoggedMessage]:
    """Every message of ``topic`` up to ``ends`` (default: the end offsets now), each
    partition in offset order. Raises TopicReadError when it cannot be read to those ends
    within ``timeout_s`` (or is missing, unless ``missing_ok``). The throwaway group id
    starts with ``group_prefix``."""
    consumer = _consumer(kafka, group_prefix)
    try:
        wanted = _ends(consumer, topic, missing_ok=missing_ok) if ends is None else ends
        yield from _read(consumer, topic, wanted, timeout_s)
    finally:
        consumer.close()


def _read(
    consumer: Consumer, topic: str, ends: dict[int, int], timeout_s: float
) -> Iterator[LoggedMessage]:
    pending = {p for p, end in ends.items() if end > 0}
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(pending)])
    deadline = time.monotonic() + timeout_s
    while pending:
        if time.monotonic() > deadline:
            raise TopicReadError(f"{topic}: not read to its end within {timeout_s:.0f} s")
        for message in consumer.consume(num_messages=5000, timeout=0.5):
            error = message.error()
            if error is not None and error.code() != KafkaError._PARTITION_EOF:
                raise TopicReadError(f"{topic}: read failed ({error.name()})")
            partition, offset = message.partition() or 0, message.offset() or 0
            if error is None and offset < ends.get(partition, 0):
                raw = message.headers() or []
                pairs = list(raw.items() if isinstance(raw, dict) else raw)
                headers = tuple((name, _bytes(value)) for name, value in pairs)
                yield LoggedMessage(
                    topic, partition, offset, max(0, message.timestamp()[1]),
                    _bytes_or_none(message.key()), _bytes_or_none(message.value()), headers,
                )  # fmt: skip
                offset += 1
            if offset >= ends.get(partition, 0):
                pending.discard(partition)


def _bytes(value: str | bytes | None) -> bytes:
    if value is None:
        return b""
    return value.encode() if isinstance(value, str) else value


def _bytes_or_none(value: str | bytes | None) -> bytes | None:
    return None if value is None else _bytes(value)
