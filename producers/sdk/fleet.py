"""Publish for many organisations, each as its own Kafka principal (simulator, demo, bench).

A real source system publishes for one organisation with one :class:`Publisher`. A simulated
region publishes for ~100, and the broker lets each principal write only its own topic, so
this keeps one Publisher per organisation, opened on its first event as ``org-<ODS>`` (password
``<MCR_KAFKA_SECRETS_DIR>/org-<ODS>.password``). When the settings name a user explicitly
(an admin in tests), every organisation shares one Publisher as that user.

Each Publisher is a librdkafka client with its own threads and its own TLS + SCRAM connection:
the cost is measured in docs/benchmarks.md ("Producers per organisation").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from types import TracebackType

from mcr.core.kafka_acls import organisation_principal
from mcr.core.settings import replace
from producers.sdk.delivery import DeliveryCallback, PublishStats
from producers.sdk.errors import FlushTimeoutError, ValidationError
from producers.sdk.publisher import Publisher, close_on_exit
from producers.sdk.settings import PublisherConfig
from schemas.conformance import FieldProblem
from schemas.events import SourceEvent

__all__ = ["PublisherFleet"]

_SHARED = ""


class PublisherFleet:
    """One :class:`Publisher` per organisation (see the module docstring); not thread-safe."""

    def __init__(
        self,
        config: PublisherConfig,
        *,
        topic: str | None = None,
        on_delivery: DeliveryCallback | None = None,
        validate: bool = True,
    ) -> None:
        self._config, self._topic = config, topic
        self._on_delivery, self._validate = on_delivery, validate
        self._shared = bool(config.kafka.username) or not config.kafka.secured
        self._publishers: dict[str, Publisher] = {}

    @property
    def organisations(self) -> int:
        """How many producers are open."""
        return len(self._publishers)

    def publish(self, event: SourceEvent, *, on_delivery: DeliveryCallback | None = None) -> None:
        """Publish ``event`` as its organisation (see :meth:`Publisher.publish`)."""
        self._publisher(_org(event)).publish(event, on_delivery=on_delivery)

    def poll(self, timeout: float = 0.0) -> int:
        return sum(p.poll(timeout) for p in self._publishers.values())

    def flush(self, timeout: float = 30.0) -> PublishStats:
        """Flush every producer; FlushTimeoutError sums what is still undelivered."""
        remaining = 0
        for publisher in self._publishers.values():
            try:
                publisher.flush(timeout)
            except FlushTimeoutError as exc:
                remaining += exc.remaining
        if remaining:
            raise FlushTimeoutError(remaining, timeout)
        return self.stats

    @property
    def stats(self) -> PublishStats:
        """The totals of every producer."""
        return _sum(p.stats for p in self._publishers.values())

    def close(self, timeout: float = 30.0) -> PublishStats:
        """Flush and close every producer (all are closed even when one times out)."""
        remaining = 0
        for publisher in self._publishers.values():
            try:
                publisher.close(timeout)
            except FlushTimeoutError as exc:
                remaining += exc.remaining
        stats = self.stats
        if remaining:
            raise FlushTimeoutError(remaining, timeout)
        return stats

    def __enter__(self) -> PublisherFleet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        close_on_exit(self.close, exc)

    def _publisher(self, org: str) -> Publisher:
        name = _SHARED if self._shared else org
        publisher = self._publishers.get(name)
        if publisher is None:
            config = self._config
            if not self._shared:
                kafka = config.kafka.as_principal(organisation_principal(org))
                config = replace(config, kafka=kafka, client_id=f"{config.client_id}-{org}")
            publisher = Publisher(
                config, topic=self._topic, on_delivery=self._on_delivery, validate=self._validate
            )
            self._publishers[name] = publisher
        return publisher


def _org(event: SourceEvent) -> str:
    try:
        org = event.payload["header"]["org"]
        organisation_principal(org)
    except (KeyError, TypeError, ValueError) as exc:
        problem = FieldProblem("header.org", "expected an ODS code (A-Z, 0-9, 3-10 long)")
        raise ValidationError([problem]) from exc
    return str(org)


def _sum(all_stats: Iterable[PublishStats]) -> PublishStats:
    sent = delivered = failed = 0
    by_type: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for stats in all_stats:
        sent, delivered, failed = (
            sent + stats.sent,
            delivered + stats.delivered,
            failed + stats.failed,
        )
        by_type.update(stats.delivered_by_type)
        failures.update(stats.failures)
    return PublishStats(sent, delivered, failed, dict(by_type), dict(failures))
