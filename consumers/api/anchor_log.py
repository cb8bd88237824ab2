"""Where the audit chain's anchors live: a Kafka topic kept forever. Thin I/O.

:class:`AnchorPublisher` sends the head of the service's audit log, signed, every
``interval_s`` when it has moved (and once at start and at stop), from a background thread, so
a request never waits for Kafka. :func:`read_anchors` reads every anchor of one audit schema
back for ``mcr audit verify``. The topic is created as ``schemas/topics.toml`` says
(``audit_anchors``: ``retention.ms=-1``, ``cleanup.policy=delete``): never compacted, never
expired. In a deployment only the query
service's principal may write to it (Kafka ACLs).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from confluent_kafka import Producer

from consumers.api.anchors import Anchor, parse_anchor, sign_anchor
from consumers.api.chain import ChainedRow
from consumers.api.errors import AuditError
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.logging import get_logger
from mcr.core.topic_admin import TopicCreateError, create_missing_topics
from mcr.core.topic_reader import TopicReadError, read_topic

__all__ = ["AnchorPublisher", "ensure_anchor_topic", "read_anchors"]

READ_TIMEOUT_S = 60.0
log = get_logger(__name__)


def ensure_anchor_topic(kafka: KafkaClientSettings, topic: str) -> None:
    """Create the anchor topic (one partition: anchors keep one order) unless it exists."""
    try:
        create_missing_topics(kafka, [topic], family="audit_anchors")
    except TopicCreateError as exc:
        raise AuditError("audit anchors: the topic could not be created") from exc


class AnchorPublisher:
    """Publishes the signed head of one audit log at an interval, in a daemon thread."""

    def __init__(
        self,
        *,
        kafka: KafkaClientSettings,
        topic: str,
        schema: str,
        key: bytes,
        head: Callable[[], ChainedRow | None],
        interval_s: float,
    ) -> None:
        self._topic, self._schema, self._key, self._head = topic, schema, key, head
        self._interval = interval_s
        self._producer = Producer(kafka.config(**{"enable.idempotence": True, "acks": "all",
                                                  "linger.ms": 0}))  # fmt: skip
        self._sent_seq = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mcr-audit-anchor", daemon=True)

    def start(self) -> None:
        """Anchor the current head now, then keep anchoring in the background."""
        self.publish()
        self._thread.start()

    def publish(self) -> bool:
        """Send the head if it moved since the last anchor; True when one was acknowledged."""
        row = self._head()
        if row is None or row.seq <= self._sent_seq:
            return False
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        anchor = sign_anchor(self._key, schema=self._schema, seq=row.seq, hash_=row.hash, at=at)
        self._producer.produce(self._topic, key=self._schema.encode(), value=anchor.to_json())
        if self._producer.flush(10) != 0:
            log.error("audit anchor not acknowledged", seq=row.seq)
            return False
        self._sent_seq = row.seq
        return True

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.publish()
            except Exception as exc:  # keep anchoring: a missed anchor is retried next time
                log.error("audit anchor failed", error_type=type(exc).__name__)

    def stop(self) -> None:
        """Stop the thread and anchor the final head."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._interval + 15)
        self.publish()


def read_anchors(kafka: KafkaClientSettings, topic: str, schema: str) -> list[Anchor]:
    """Every anchor of ``schema`` on ``topic`` (oldest first); [] when the topic is empty or
    missing. Raises AuditError when the topic cannot be read to its end."""
    try:
        found = [parse_anchor(m.value) for m in read_topic(kafka, topic, missing_ok=True,
                                                           timeout_s=READ_TIMEOUT_S)]  # fmt: skip
    except TopicReadError as exc:
        raise AuditError("audit anchors: the topic was not read to its end") from exc
    return [anchor for anchor in found if anchor is not None and anchor.schema == schema]
