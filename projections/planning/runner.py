"""The planning store worker: a confluent-kafka consumer loop around :func:`batch.apply_batch`.
Thin I/O. Reads ``mcr.planning`` in its own group with manual commits: a batch is applied in
one transaction, its dead letters are delivered, and only then are its offsets committed
(at-least-once; the store is idempotent). While PostgreSQL is unavailable the same batch is
retried with capped backoff and nothing is committed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition

from mcr.core import receipts
from mcr.core.kafka_acls import PLANNING
from mcr.core.logging import get_logger
from mcr.core.metrics import CONSUMER_LAG, Heartbeat, count_batch, count_dead_letter
from mcr.core.postgres import Connection
from projections.dlq import DeadLetterSender
from projections.planning import store
from projections.planning.batch import BatchResult, InboundMessage, apply_batch
from projections.planning.settings import PlanningStoreSettings

__all__ = [
    "STAGE",
    "PlanningStats",
    "PlanningWorker",
    "consumer_config",
    "outcomes",
    "producer_config",
]

STAGE = "planning"
MAX_RETRY_S = 30.0
log = get_logger(__name__)


def consumer_config(
    settings: PlanningStoreSettings, *, principal: str = PLANNING, **overrides: Any
) -> dict[str, Any]:
    """Consumer settings: manual commits, start from the beginning of a new group; as
    ``principal`` unless the settings name a user."""
    return settings.kafka.resolve(principal).config(
        **{
            "group.id": settings.group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            **overrides,
        }
    )


def producer_config(
    settings: PlanningStoreSettings, *, principal: str = PLANNING
) -> dict[str, Any]:
    """Producer settings for dead letters: idempotent."""
    return settings.kafka.resolve(principal).config(**{"enable.idempotence": True})


def outcomes(result: BatchResult, handled: int) -> list[str]:
    """Each handled message's outcome for ``mcr_events_total`` (stage ``planning``)."""
    letters = len(result.dead_letters)
    other = max(handled - result.facts - result.opt_outs - letters, 0)
    return (["stored"] * result.facts + ["opted_out"] * result.opt_outs
            + ["dead_letter"] * letters + ["command"] * other)  # fmt: skip


@dataclass
class PlanningStats:
    """What the worker did since it started."""

    handled: int = 0
    facts: int = 0
    opt_outs: int = 0
    removed: int = 0
    dead_letters: int = 0


def _inbound(message: Any) -> InboundMessage:
    """Copy a confluent-kafka ``Message`` (error-free) into an :class:`InboundMessage`."""
    headers = [(name, value or b"") for name, value in (message.headers() or [])]
    return InboundMessage(message.key(), message.value(), headers, message.topic(),
                          message.partition(), message.offset())  # fmt: skip


class PlanningWorker:
    """Consume, apply, commit, until ``stop`` is set (see the module docstring)."""

    def __init__(
        self,
        settings: PlanningStoreSettings,
        *,
        stop: threading.Event,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self._settings, self._stop = settings, stop
        self._heartbeat = heartbeat or Heartbeat()
        self._consumer = Consumer(consumer_config(settings))
        self._producer = Producer(producer_config(settings))
        self._letters = DeadLetterSender(self._producer, topic=settings.dlq_topic, stage=STAGE)
        self._conn: Connection | None = None
        self.stats = PlanningStats()

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            dsn = self._settings.postgres_dsn.get_secret_value()
            receipts.connect(dsn, self._settings.receipts_schema).close()
            self._conn = store.connect(dsn, self._settings.schema_name)
        return self._conn

    def run(self) -> PlanningStats:
        """Run until stopped; returns the counters. The schema is made before the first read,
        so readers of the store find its tables (empty) as soon as the worker runs."""
        self._prepare()
        self._consumer.subscribe([self._settings.planning_topic])
        log.info("planning store started", topic=self._settings.planning_topic,
                 group=self._settings.group_id, schema=self._settings.schema_name)  # fmt: skip
        try:
            while not self._stop.is_set():
                self._heartbeat.beat()
                found = self._consumer.consume(self._settings.batch_size, timeout=0.2)
                messages = [m for m in found if self._readable(m)]
                if messages:
                    self._apply_until_done(messages)
                    self._report_lag()
        finally:
            self._consumer.close()
            self._producer.flush(5)
            if self._conn is not None:
                self._conn.close()
        return self.stats

    def _prepare(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            attempt += 1
            try:
                self._connection()
                return
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                log.warning("planning store unavailable", error_type=type(exc).__name__,
                            attempt=attempt)  # fmt: skip
                time.sleep(min(MAX_RETRY_S, 0.2 * 2**attempt))

    @staticmethod
    def _readable(message: Message) -> bool:
        error = message.error()
        if error is not None and error.code() != KafkaError._PARTITION_EOF:
            log.warning("kafka error", error_type=error.name(), topic=message.topic())
        return error is None

    def _apply_until_done(self, messages: list[Message]) -> None:
        batch = [_inbound(m) for m in messages]
        started = time.perf_counter()
        attempt = 0
        while not self._stop.is_set():
            attempt += 1
            try:
                result = apply_batch(self._connection(), batch,
                                     receipts_schema=self._settings.receipts_schema)  # fmt: skip
                break
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                log.warning("planning store unavailable", error_type=type(exc).__name__,
                            attempt=attempt)  # fmt: skip
                self._conn = None
                self._heartbeat.beat()  # waiting on the store is alive, not hung
                time.sleep(min(MAX_RETRY_S, 0.2 * 2**attempt))
        else:
            return  # stopped before the batch was applied: nothing committed, re-read later
        for letter in result.dead_letters:
            self._letters.send(letter)
        self._letters.ensure_delivered()
        self._commit(messages)
        count_batch(STAGE, outcomes(result, len(batch)), time.perf_counter() - started)
        for letter in result.dead_letters:
            count_dead_letter(STAGE, letter.reason)
        self._count(len(batch), result.facts, result.opt_outs, result.removed,
                    len(result.dead_letters))  # fmt: skip

    def _report_lag(self) -> None:
        """What waits on the assigned partitions (cached watermarks: no broker round trip)."""
        waiting = 0
        for tp in self._consumer.position(self._consumer.assignment()):
            _low, high = self._consumer.get_watermark_offsets(tp, cached=True)
            if tp.offset >= 0 and high >= 0:
                waiting += max(high - tp.offset, 0)
        CONSUMER_LAG.labels(stage=STAGE).set(waiting)

    def _commit(self, messages: list[Message]) -> None:
        newest: dict[tuple[str, int], int] = {}
        for m in messages:
            place = (m.topic() or "", m.partition() or 0)
            newest[place] = max(newest.get(place, -1), m.offset() or 0)
        offsets = [TopicPartition(t, p, o + 1) for (t, p), o in newest.items()]
        self._consumer.commit(offsets=offsets, asynchronous=False)

    def _count(self, handled: int, facts: int, opt_outs: int, removed: int, letters: int) -> None:
        s = self.stats
        s.handled, s.facts, s.opt_outs = s.handled + handled, s.facts + facts, s.opt_outs + opt_outs
        s.removed, s.dead_letters = s.removed + removed, s.dead_letters + letters
        if opt_outs or letters:
            log.info("planning batch", count=handled, removed=removed, failed=letters)
