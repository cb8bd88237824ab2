"""What happened to published events: one report per event, and running totals. Pure.

A report carries ids and Kafka coordinates only; the key (``<org>:<local patient id>``) is
there for the caller to correlate, and must not be logged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from schemas.events import RecordType, SourceKey


@dataclass(frozen=True)
class DeliveryReport:
    """The broker's answer for one event: where it was written, or why it was not."""

    record_type: RecordType
    event_id: str
    key: SourceKey
    topic: str
    partition: int | None = None
    offset: int | None = None
    error: str | None = None
    """Kafka error name (e.g. ``_MSG_TIMED_OUT``) when delivery failed, else None."""

    @property
    def delivered(self) -> bool:
        return self.error is None


DeliveryCallback = Callable[[DeliveryReport], None]


@dataclass(frozen=True)
class PublishStats:
    """Totals since the publisher was opened. ``in_flight`` = sent - delivered - failed."""

    sent: int = 0
    delivered: int = 0
    failed: int = 0
    delivered_by_type: Mapping[str, int] = field(default_factory=dict)
    failures: Mapping[str, int] = field(default_factory=dict)
    """Failed deliveries counted by Kafka error name."""

    @property
    def in_flight(self) -> int:
        return self.sent - self.delivered - self.failed


class StatsCollector:
    """Accumulates sends and delivery reports; :meth:`snapshot` gives immutable totals."""

    def __init__(self) -> None:
        self._sent = 0
        self._delivered: Counter[str] = Counter()
        self._failures: Counter[str] = Counter()

    def record_sent(self) -> None:
        self._sent += 1

    def record_report(self, report: DeliveryReport) -> None:
        if report.error is None:
            self._delivered[report.record_type.value] += 1
        else:
            self._failures[report.error] += 1

    def snapshot(self) -> PublishStats:
        return PublishStats(
            sent=self._sent,
            delivered=self._delivered.total(),
            failed=self._failures.total(),
            delivered_by_type=MappingProxyType(dict(self._delivered)),
            failures=MappingProxyType(dict(self._failures)),
        )
