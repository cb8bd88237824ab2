"""Publish source events to Kafka: validate, encode, key, produce, report delivery.

The only place in ``producers`` that talks to Kafka for producing. One event becomes one
message on its organisation's source topic ``mcr.source.<ODS>`` (or the override topic), keyed
``<org>:<local patient id>`` so one patient's changes from one organisation stay in order, with
header ``mcr.record_type``. The broker lets a principal write only its own organisation's
topic, and identity drops an event whose header org is not the topic's.

A Publisher is not thread-safe: delivery callbacks run inside ``publish``/``poll``/``flush``
on the caller's thread. Use one per thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from mcr.core.kafka_client import KafkaCredentialError
from mcr.core.logging import get_logger
from producers.sdk.delivery import DeliveryCallback, DeliveryReport, PublishStats, StatsCollector
from producers.sdk.errors import (
    ConfigError,
    FlushTimeoutError,
    PublisherClosedError,
    PublishError,
    QueueFullError,
    ValidationError,
)
from producers.sdk.settings import PublisherConfig
from producers.sdk.validation import event_problems
from schemas.codec import encode
from schemas.conformance import FieldProblem
from schemas.events import RECORD_TYPE_HEADER, SourceEvent, organisation_topic
from schemas.registry import SchemaRegistry

_log = get_logger(__name__)
_QUEUE_FULL_POLL_S = 0.05


def close_on_exit(close: Callable[[], object], exc: BaseException | None) -> None:
    """Close a publisher leaving a ``with`` block: lost deliveries (FlushTimeoutError) are
    reported, unless an error is already on its way out."""
    try:
        close()
    except FlushTimeoutError:
        if exc is None:
            raise


class Publisher:
    """Idempotent, batching Kafka producer for source events (see module docstring)."""

    def __init__(
        self,
        config: PublisherConfig,
        *,
        topic: str | None = None,
        on_delivery: DeliveryCallback | None = None,
        validate: bool = True,
        registry: SchemaRegistry | None = None,
    ) -> None:
        """``topic`` sends every record type to one topic (tests, benchmarks); otherwise
        ``config.topic_prefix + mcr.source.<the event's org>``. ``on_delivery`` is called for every
        delivery report; ``validate=False`` skips validation (the schema is still enforced)."""
        self._config = config
        self._topic = topic
        self._on_delivery = on_delivery
        self._validate = validate
        self._registry = registry
        self._stats = StatsCollector()
        try:
            self._producer: Producer | None = Producer(config.librdkafka())
        except KafkaCredentialError as exc:
            raise ConfigError(str(exc)) from exc
        except KafkaException as exc:
            raise ConfigError(f"Kafka client refused the settings: {_error_name(exc)}") from exc

    def topic_for(self, event: SourceEvent) -> str:
        """The topic ``event`` goes to: its organisation's source topic (or the override).

        Raises ValidationError when the event's org is not an ODS code."""
        if self._topic:
            return self._topic
        try:
            org = event.payload["header"]["org"]
            return organisation_topic(org, prefix=self._config.topic_prefix)
        except (KeyError, TypeError, ValueError) as exc:
            problem = FieldProblem("header.org", "expected an ODS code (A-Z, 0-9, 3-10 long)")
            raise ValidationError([problem]) from exc

    @property
    def stats(self) -> PublishStats:
        """Totals so far: sent, delivered (by record type), failed (by Kafka error name)."""
        return self._stats.snapshot()

    def publish(self, event: SourceEvent, *, on_delivery: DeliveryCallback | None = None) -> None:
        """Validate, encode and hand ``event`` to Kafka; delivery is reported later.

        Raises ValidationError (nothing sent), EncodeError, QueueFullError, PublishError, or
        PublisherClosedError. ``on_delivery`` is called with this event's report.
        """
        self._open_producer()
        if self._validate:
            self._check([event], indexed=False)
        self._send(event, on_delivery)

    def publish_all(self, events: Iterable[SourceEvent]) -> int:
        """Validate every event first, then publish them all; returns how many were sent.

        If any event is invalid, ValidationError lists every problem with paths prefixed
        ``events[<index>].`` and nothing at all is sent.
        """
        batch = list(events)
        if self._validate:
            self._check(batch, indexed=True)
        self._open_producer()
        for event in batch:
            self._send(event, None)
        return len(batch)

    def poll(self, timeout: float = 0.0) -> int:
        """Serve pending delivery reports; returns how many were served."""
        return int(self._open_producer().poll(timeout))

    def flush(self, timeout: float = 30.0) -> PublishStats:
        """Wait until every sent event has a delivery report; raises FlushTimeoutError."""
        remaining = int(self._open_producer().flush(timeout))
        if remaining:
            raise FlushTimeoutError(remaining, timeout)
        return self.stats

    def close(self, timeout: float = 30.0) -> PublishStats:
        """Flush, then release the Kafka client. Safe to call twice."""
        if self._producer is None:
            return self.stats
        try:
            self.flush(timeout)
        finally:
            stats = self.stats
            _log.info(
                "publisher closed", sent=stats.sent, failed=stats.failed, count=stats.delivered
            )
            self._producer.close()
            self._producer = None
        return stats

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        close_on_exit(self.close, exc)

    def _send(self, event: SourceEvent, on_delivery: DeliveryCallback | None) -> None:
        value = encode(event, registry=self._registry)
        callback = _PendingDelivery(
            event, stats=self._stats, callbacks=(on_delivery, self._on_delivery)
        )
        self._produce(
            self._open_producer(),
            topic=self.topic_for(event),
            key=event.key.encode("utf-8"),
            value=value,
            headers=[(RECORD_TYPE_HEADER, event.record_type.value.encode("ascii"))],
            callback=callback,
        )
        self._stats.record_sent()

    def _check(self, events: list[SourceEvent], *, indexed: bool) -> None:
        problems: list[FieldProblem] = []
        for index, event in enumerate(events):
            found = event_problems(event, registry=self._registry)
            prefix = f"events[{index}]." if indexed else ""
            problems.extend(FieldProblem(f"{prefix}{p.path}", p.rule) for p in found)
        if problems:
            raise ValidationError(problems)

    def _open_producer(self) -> Producer:
        if self._producer is None:
            raise PublisherClosedError("publisher is closed")
        return self._producer

    def _produce(self, producer: Producer, *, topic: str, callback: Any, **message: Any) -> None:
        deadline = time.monotonic() + self._config.queue_full_wait_s
        while True:
            try:
                producer.produce(topic, on_delivery=callback, **message)
                break
            except BufferError as exc:
                if time.monotonic() >= deadline:
                    raise QueueFullError(
                        f"local queue full for {self._config.queue_full_wait_s:g} s"
                    ) from exc
                producer.poll(_QUEUE_FULL_POLL_S)
            except KafkaException as exc:
                raise PublishError(f"produce to {topic} refused: {_error_name(exc)}") from exc
        producer.poll(0)


class _PendingDelivery:
    """The delivery callback of one event: builds its report, counts it, tells the callers."""

    __slots__ = ("_callbacks", "_event_id", "_key", "_record_type", "_stats")

    def __init__(
        self,
        event: SourceEvent,
        *,
        stats: StatsCollector,
        callbacks: tuple[DeliveryCallback | None, ...],
    ) -> None:
        self._record_type = event.record_type
        self._event_id: str = event.payload["header"]["event_id"]
        self._key = event.key
        self._stats = stats
        self._callbacks = callbacks

    def __call__(self, err: KafkaError | None, msg: Message) -> None:
        report = DeliveryReport(
            record_type=self._record_type,
            event_id=self._event_id,
            key=self._key,
            topic=msg.topic() or "",
            partition=None if err else msg.partition(),
            offset=None if err else msg.offset(),
            error=err.name() if err else None,
        )
        self._stats.record_report(report)
        if err is not None:
            _log.warning(
                "delivery failed",
                record_type=report.record_type.value,
                event_id=report.event_id,
                topic=report.topic,
                reason=report.error,
            )
        for callback in self._callbacks:
            if callback is not None:
                callback(report)


def _error_name(exc: KafkaException) -> str:
    error = exc.args[0] if exc.args else None
    return error.name() if isinstance(error, KafkaError) else type(exc).__name__
