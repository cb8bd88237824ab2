"""Delivery reports and running totals."""

from __future__ import annotations

import pytest

from producers.sdk import DeliveryReport, PublishStats
from producers.sdk.delivery import StatsCollector
from schemas.events import RecordType, SourceKey

KEY = SourceKey("RXX01:MRN0001")


def report(record_type: RecordType, error: str | None = None) -> DeliveryReport:
    """A delivery report for a synthetic event; an error makes it a failure."""
    return DeliveryReport(record_type, "e-1", KEY, "mcr.source.x", 0 if error is None else None,
                          7 if error is None else None, error)  # fmt: skip


def test_collector_counts_sent_delivered_and_failures_by_reason() -> None:
    """Totals count sends, deliveries per record type, and failures per Kafka error name."""
    stats = StatsCollector()
    for _ in range(4):
        stats.record_sent()
    stats.record_report(report(RecordType.RESULT))
    stats.record_report(report(RecordType.RESULT))
    stats.record_report(report(RecordType.PATIENT, "_MSG_TIMED_OUT"))
    snapshot = stats.snapshot()
    assert snapshot == PublishStats(
        sent=4,
        delivered=2,
        failed=1,
        delivered_by_type={"result": 2},
        failures={"_MSG_TIMED_OUT": 1},
    )
    assert snapshot.in_flight == 1


def test_snapshot_is_not_changed_by_later_reports() -> None:
    """A snapshot is a value: later deliveries do not alter it, and it cannot be mutated."""
    stats = StatsCollector()
    before = stats.snapshot()
    stats.record_sent()
    stats.record_report(report(RecordType.CONSENT))
    assert (before.sent, before.delivered, dict(before.delivered_by_type)) == (0, 0, {})
    with pytest.raises(TypeError):
        stats.snapshot().failures["x"] = 1  # type: ignore[index]


@pytest.mark.parametrize(("error", "delivered"), [(None, True), ("_MSG_TIMED_OUT", False)])
def test_report_delivered_flag(error: str | None, delivered: bool) -> None:
    """A report is delivered exactly when it has no error."""
    assert report(RecordType.RESULT, error).delivered is delivered
