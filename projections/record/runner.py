"""The live worker: a confluent-kafka consumer loop around :class:`RecordPipeline`. Thin I/O.

It subscribes to the source topic (``mcr.shared``: what the consent stage lets through) and
``mcr.identity.changes`` in one consumer group, with manual commits. Documents are flushed by
size or after ``flush_interval_ms``; every ``commit_interval_ms`` the pipeline settles
(flush, summaries, dead letters acknowledged) and only then are offsets committed. While a
backlog of at least one full batch waits, it settles every ``backlog_commit_interval_ms``
instead: each settle refreshes and recomputes summaries, work a backlog makes stale at once.

The worker, not the index, decides when the record is refreshed (the index's own
``refresh_interval`` is only a backstop): every settle refreshes, and while caught up it also
refreshes ``visible_interval_ms`` after the last refresh when something was written since.
So a change is searchable within about that interval, as when the index refreshed itself
every 500 ms; while behind, only the settles refresh.

While the pipeline waits to retry, every assigned partition is paused and the consumer keeps
polling (so it stays in the group); anything a poll still returns is held and processed
afterwards.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import psycopg
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from opensearchpy import OpenSearch

from mcr.core import receipts
from mcr.core.kafka_acls import PROJECTION
from mcr.core.logging import get_logger
from mcr.core.metrics import CONSUMER_LAG, EVENTS, Heartbeat
from projections.dlq import DeadLetterSender
from projections.record.backoff import Backoff
from projections.record.errors import DeliveryError, RetryInterruptedError, TransientWriteError
from projections.record.indices import ensure_alias
from projections.record.messages import from_kafka
from projections.record.pipeline import STAGE, PipelineStats, RecordPipeline
from projections.record.settings import RecordSettings
from projections.record.writer import RecordWriter, connect
from schemas.commands import PurgeReceipt, receipt_message

__all__ = [
    "RecordWorker",
    "backoff_of",
    "consumer_config",
    "producer_config",
    "settle_interval_s",
    "store_receipt",
]

POLL_TIMEOUT_S = 0.05
log = get_logger(__name__)


def consumer_config(
    settings: RecordSettings, *, principal: str = PROJECTION, **overrides: Any
) -> dict[str, Any]:
    """Consumer settings: manual commits, start from the beginning of a new group; as
    ``principal`` unless the settings name a user."""
    return settings.kafka.resolve(principal).config(
        **{
            "group.id": settings.group_id,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": settings.session_timeout_ms,
            **overrides,
        }
    )


def producer_config(settings: RecordSettings, *, principal: str = PROJECTION) -> dict[str, Any]:
    """Producer settings for dead letters and receipts: idempotent, acknowledged by all."""
    return settings.kafka.resolve(principal).config(**{"enable.idempotence": True, "linger.ms": 5})


def store_receipt(settings: RecordSettings, receipt: PurgeReceipt) -> None:
    """Keep ``receipt`` in the receipts store (a replayed purge keeps the first receipt).
    Purges are rare, so one short connection each; an unavailable database raises
    TransientWriteError and the purge is retried, so a receipt is never lost."""
    stored = receipts.StoreReceipt(
        f"{receipt.command_id}:record", "record", receipt.person_id,
        receipt.reason or "objection", receipt.requested_by or "unknown",
        receipt.completed_at, receipt.completed_at, receipt.deleted,
    )  # fmt: skip
    try:
        with receipts.connect(settings.postgres_dsn.get_secret_value(),
                              settings.receipts_schema) as conn:  # fmt: skip
            receipts.record(conn, stored)
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise TransientWriteError("purge receipt: the receipts store is unavailable") from exc


def backoff_of(settings: RecordSettings) -> Backoff:
    """The retry schedule configured in ``settings``."""
    return Backoff(settings.backoff_initial_ms / 1000, settings.backoff_max_ms / 1000)


def settle_interval_s(settings: RecordSettings, waiting: int) -> float:
    """Seconds to the next settle: longer while ``waiting`` messages make a full batch or more."""
    if waiting >= settings.flush_max_docs:
        return max(settings.backlog_commit_interval_ms, settings.commit_interval_ms) / 1000
    return settings.commit_interval_ms / 1000


class RecordWorker:
    """Consume, project, commit, until ``stop`` is set (see the module docstring)."""

    def __init__(
        self,
        settings: RecordSettings,
        *,
        stop: threading.Event,
        client: OpenSearch | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self._settings = settings
        self._stop = stop
        self._heartbeat = heartbeat or Heartbeat()
        self._reported = PipelineStats()
        self._client = client or connect(
            settings.opensearch_url.get_secret_value(), ca_file=settings.opensearch_ca_file
        )
        self._consumer = Consumer(consumer_config(settings))
        self._producer = Producer(producer_config(settings))
        self._held: list[Message] = []
        self._receipt_errors: list[object] = []
        self.pipeline = RecordPipeline(
            writer=RecordWriter(self._client, target=settings.alias, require_alias=True),
            dead_letters=DeadLetterSender(self._producer, topic=settings.dlq_topic, stage=STAGE),
            identity_topic=settings.identity_topic,
            flush_max_docs=settings.flush_max_docs,
            backoff=backoff_of(settings),
            wait=self._wait,
            emit_receipt=self._emit_receipt,
        )

    @property
    def stats(self) -> PipelineStats:
        return self.pipeline.stats

    def run(self) -> PipelineStats:
        """Run until stopped; returns the counters. Offsets are committed only after settling."""
        try:
            self._ensure_alias()
            topics = [self._settings.source_topic, self._settings.identity_topic]
            self._consumer.subscribe(topics, on_assign=self._assigned, on_revoke=self._revoked)
            log.info("projection started", topic=self._settings.source_topic,
                     group=self._settings.group_id, alias=self._settings.alias)  # fmt: skip
            self._loop()
            self._settle_and_commit()
            if self.pipeline.refresh_due(0.0):
                self.pipeline.refresh()  # the last summaries searchable, the worker stopping
        except RetryInterruptedError:
            log.warning("projection stopped before OpenSearch accepted pending writes")
        finally:
            self._consumer.close()
            self._producer.flush(5)
        return self.stats

    def _ensure_alias(self) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                ensure_alias(self._client, self._settings, now=datetime.now(UTC))
                return
            except TransientWriteError:
                self._sleep(backoff_of(self._settings).delay(attempt))

    def _loop(self) -> None:
        flush_interval = self._settings.flush_interval_ms / 1000
        visible_interval = self._settings.visible_interval_ms / 1000
        next_settle = time.monotonic() + self._settings.commit_interval_ms / 1000
        behind = False
        while not self._stop.is_set():
            self._heartbeat.beat()
            for message in self._next_messages():
                self._handle(message)
            if self.pipeline.flush_due(flush_interval):
                self.pipeline.flush()
            if not behind and self.pipeline.refresh_due(visible_interval):
                self.pipeline.refresh()
            if time.monotonic() >= next_settle:
                waiting = self._settle_and_commit()
                behind = waiting >= self._settings.flush_max_docs
                next_settle = time.monotonic() + settle_interval_s(self._settings, waiting)

    def _next_messages(self) -> list[Message]:
        if self._held:
            held, self._held = self._held, []
            return held
        return self._consumer.consume(
            num_messages=self._settings.flush_max_docs, timeout=POLL_TIMEOUT_S
        )

    def _handle(self, message: Message) -> None:
        error = message.error()
        if error is None:
            self.pipeline.handle(from_kafka(message))
        elif error.code() != KafkaError._PARTITION_EOF:
            log.warning("kafka error", error_type=error.name(), topic=message.topic())

    def _report(self) -> int:
        """Metrics since the last report: events by outcome, and what waits on each partition
        (from the consumer's own positions and cached watermarks: no broker round trip);
        returns how many messages wait."""
        now = self.stats
        for outcome in ("written", "conflicts", "dead_letters", "skipped", "moved", "purged"):
            gained = getattr(now, outcome) - getattr(self._reported, outcome)
            if gained:
                EVENTS.labels(stage="record", outcome=outcome).inc(gained)
        self._reported = replace(now)
        waiting = 0
        for tp in self._consumer.position(self._consumer.assignment()):
            _low, high = self._consumer.get_watermark_offsets(tp, cached=True)
            if tp.offset >= 0 and high >= 0:
                waiting += max(high - tp.offset, 0)
        CONSUMER_LAG.labels(stage="record").set(waiting)
        return waiting

    def _settle_and_commit(self) -> int:
        """Settle and commit; returns how many messages waited before it (for the cadence)."""
        waiting = self._report()
        positions = self.pipeline.settle()
        assigned = {(tp.topic, tp.partition) for tp in self._consumer.assignment()}
        offsets = [
            TopicPartition(topic, partition, offset)
            for (topic, partition), offset in positions.items()
            if (topic, partition) in assigned
        ]
        if not offsets:
            return waiting
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            self.pipeline.restore(positions)
            log.warning("commit failed", error_type=type(exc).__name__)
        return waiting

    # -- waiting while OpenSearch is unavailable ---------------------------------------------

    def _wait(self, seconds: float) -> None:
        """Pause every partition and keep polling (held, not dropped) for ``seconds``."""
        self._consumer.pause(self._consumer.assignment())
        try:
            self._sleep(seconds, poll=True)
        finally:
            self._consumer.resume(self._consumer.assignment())

    def _sleep(self, seconds: float, *, poll: bool = False) -> None:
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            if self._stop.is_set():
                raise RetryInterruptedError("stop requested while waiting to retry")
            if not poll:
                time.sleep(min(0.1, remaining))
                continue
            message = self._consumer.poll(min(0.1, remaining))
            if message is not None:
                self._held.append(message)

    def _assigned(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("partitions assigned", count=len(partitions), group=self._settings.group_id)

    def _revoked(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        revoked = {(tp.topic, tp.partition) for tp in partitions}
        self.pipeline.forget(revoked)
        self._held = [m for m in self._held if (m.topic(), m.partition()) not in revoked]
        log.info("partitions revoked", count=len(partitions), group=self._settings.group_id)

    # -- receipts ------------------------------------------------------------------------------

    def _emit_receipt(self, receipt: PurgeReceipt) -> None:
        """Store the receipt (the one receipts store), then send it when a topic is set."""
        store_receipt(self._settings, receipt)
        if self._settings.receipt_topic:
            self._send_receipt(receipt)

    def _send_receipt(self, receipt: PurgeReceipt) -> None:
        key, value, headers = receipt_message(receipt)
        kafka_headers: list[tuple[str, str | bytes | None]] = list(headers)
        failures: list[object] = []
        self._producer.produce(
            self._settings.receipt_topic, key=key, value=value, headers=kafka_headers,
            on_delivery=lambda err, _msg: failures.append(err) if err is not None else None,
        )  # fmt: skip
        if self._producer.flush(10) > 0 or failures:
            raise DeliveryError("purge receipt: not acknowledged")
