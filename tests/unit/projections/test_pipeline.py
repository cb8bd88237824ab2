"""The pipeline's decisions, with a recording writer: batching, retries, dead letters, barriers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog

from projections.dlq import DeadLetterSender
from projections.record.backoff import Backoff
from projections.record.bulk import ItemFailure
from projections.record.messages import RawMessage
from projections.record.pipeline import RecordPipeline
from schemas.commands import PurgePerson, PurgeReceipt, purge_message
from tests.unit.projections.builders import (
    consent_event,
    identity_change,
    linked,
    patient_event,
    result_event,
)
from tests.unit.projections.fakes import FakeProducer, FakeWriter

NOW = datetime(2024, 3, 2, tzinfo=UTC)


def _message(
    offset: int, kvh: tuple[bytes | None, bytes, Any], topic: str = "linked"
) -> RawMessage:
    key, value, headers = kvh
    return RawMessage(topic, 0, offset, key, value, list(headers))


def _pipeline(
    writer: FakeWriter, producer: FakeProducer | None = None, **kw: Any
) -> tuple[RecordPipeline, list[float]]:
    waits: list[float] = []
    pipeline = RecordPipeline(
        writer=writer,  # type: ignore[arg-type]
        dead_letters=DeadLetterSender(
            producer or FakeProducer(), topic="dlq", stage="projection.record"
        ),
        identity_topic="identity",
        flush_max_docs=kw.pop("flush_max_docs", 100),
        backoff=Backoff(0.1, 1.0),
        wait=waits.append,
        clock=lambda: NOW,
        **kw,
    )
    return pipeline, waits


def test_documents_are_batched_and_offsets_released_only_at_settle() -> None:
    """Nothing is written per message; settle writes the batch and returns the next offsets."""
    writer = FakeWriter()
    pipeline, _ = _pipeline(writer)
    for offset in range(3):
        pipeline.handle(_message(offset, linked(result_event(source_record_id=f"R{offset}"), "P1")))
    assert writer.calls == []
    assert pipeline.settle() == {("linked", 0): 3}
    assert writer.written[:3] == ["result|RC9|R0", "result|RC9|R1", "result|RC9|R2"]


def test_a_full_batch_is_flushed_without_waiting() -> None:
    """Reaching flush_max_docs writes at once."""
    writer = FakeWriter()
    pipeline, _ = _pipeline(writer, flush_max_docs=2)
    for offset in range(2):
        pipeline.handle(_message(offset, linked(result_event(source_record_id=f"R{offset}"), "P1")))
    assert writer.calls == [("routes", ["RC9:P001"]), ("bulk", ["result|RC9|R0", "result|RC9|R1"])]


def test_unavailable_opensearch_is_retried_with_backoff_until_written() -> None:
    """Two failed bulks wait 0.1 s then 0.2 s; the third writes; nothing is dropped."""
    writer = FakeWriter(failures=2)
    pipeline, waits = _pipeline(writer)
    pipeline.handle(_message(0, linked(result_event(), "P1")))
    pipeline.flush()
    assert waits == [0.1, 0.2]
    assert writer.written == ["result|RC9|R001"]


def test_undecodable_message_goes_to_the_dlq_and_processing_continues() -> None:
    """Garbage is dead-lettered with its reason; the next event is still projected."""
    writer, producer = FakeWriter(), FakeProducer()
    pipeline, _ = _pipeline(writer, producer)
    pipeline.handle(RawMessage("linked", 0, 0, b"P1", b"\x00garbage", []))
    pipeline.handle(_message(1, linked(result_event(), "P1")))
    assert pipeline.settle() == {("linked", 0): 2}
    assert [h for h in producer.produced[0]["headers"] if h[0] == "mcr.dlq.reason"] == [
        ("mcr.dlq.reason", b"CorruptEventError")
    ]
    assert writer.written[0] == "result|RC9|R001"


def test_mapping_rejects_are_dead_lettered_with_type_and_field() -> None:
    """A document OpenSearch refuses for good goes to the DLQ; the rest of the batch is written."""
    reject = {"result|RC9|BAD": ItemFailure(0, 400, "mapper_parsing_exception", "result.unit")}
    writer, producer = FakeWriter(reject=reject), FakeProducer()
    pipeline, _ = _pipeline(writer, producer)
    pipeline.handle(_message(0, linked(result_event(source_record_id="BAD"), "P1")))
    pipeline.handle(_message(1, linked(result_event(source_record_id="OK"), "P1")))
    pipeline.settle()
    reasons = [v for k, v in producer.produced[0]["headers"] if k == "mcr.dlq.reason"]
    assert reasons == [b"mapper_parsing_exception:result.unit"]
    assert "result|RC9|OK" in writer.written


def test_identity_change_flushes_pending_documents_first() -> None:
    """A merge applies to everything before it: the batch is written, then routes, then moves."""
    writer = FakeWriter()
    pipeline, _ = _pipeline(writer)
    pipeline.handle(_message(0, linked(result_event(), "A")))
    merge = identity_change("MERGE", "B", previous="A", source_keys=("RC9:P001",))
    pipeline.handle(RawMessage("identity", 0, 0, b"B", merge, []))
    assert [name for name, _ in writer.calls] == [
        "routes",
        "bulk",
        "bulk",
        "refresh",
        "hits",
        "bulk",
    ]
    assert writer.calls[2] == ("bulk", ["route|RC9%3AP001"])


def test_consent_events_are_skipped_but_their_offsets_move_on() -> None:
    """A consent event writes nothing and does not hold back the commit."""
    writer = FakeWriter()
    pipeline, _ = _pipeline(writer)
    pipeline.handle(_message(0, linked(consent_event(), "P1")))
    assert (pipeline.settle(), pipeline.stats.skipped, writer.written) == (
        {("linked", 0): 1},
        1,
        [],
    )


def test_purge_reports_the_count_in_a_receipt() -> None:
    """A purge command deletes the person's documents and emits a receipt with the count."""
    receipts: list[PurgeReceipt] = []
    writer = FakeWriter()
    pipeline, _ = _pipeline(writer, emit_receipt=receipts.append)
    pipeline.handle(_message(0, purge_message(PurgePerson("P1", "cmd-1"))))
    assert ("bulk", [f"doc{i}" for i in range(5)]) in writer.calls
    assert receipts == [PurgeReceipt("cmd-1", "P1", 5, "record", NOW, "objection")]


def test_logs_never_carry_demographics() -> None:
    """Projecting a patient and dead-lettering garbage logs ids only: no name, NHS number, DOB."""
    writer = FakeWriter(failures=1)
    pipeline, _ = _pipeline(writer)
    with structlog.testing.capture_logs() as logs:
        pipeline.handle(_message(0, linked(patient_event(family_name="Zyxwvuts"), "P1")))
        pipeline.handle(RawMessage("linked", 0, 1, b"P1", b"\x00Zyxwvuts 9990000018", []))
        pipeline.settle()
    text = repr(logs)
    assert logs, "expected log records"
    for secret in ("Zyxwvuts", "9990000018", "1970-01-01", "Alexa", "LU1"):
        assert secret not in text


def test_a_refused_purge_is_retried_never_skipped() -> None:
    """A purge whose deletes OpenSearch refuses is retried with backoff until it succeeds."""
    receipts: list[PurgeReceipt] = []
    writer = FakeWriter(reject={"doc0": ItemFailure(0, 400, "illegal_argument_exception", None)})
    pipeline, waits = _pipeline(writer, emit_receipt=receipts.append)
    original_bulk = writer.bulk

    def heal_after_two_refusals(ops: Any) -> Any:
        if len(waits) >= 2:
            writer.reject = {}
        return original_bulk(ops)

    writer.bulk = heal_after_two_refusals  # type: ignore[method-assign]
    pipeline.handle(_message(0, purge_message(PurgePerson("P1", "cmd-1"))))

    assert waits == [0.1, 0.2]
    assert receipts == [PurgeReceipt("cmd-1", "P1", 5, "record", NOW, "objection")]


def test_only_a_conflict_with_a_purge_tombstone_of_the_same_version_is_written_again() -> None:
    """A share after a purge replaces the tombstone (external_gte); other conflicts stay done."""

    class PurgedWriter(FakeWriter):
        def bulk(self, ops: Any) -> Any:
            from projections.record.bulk import BulkOutcome

            self.calls.append(("bulk", [(op.doc_id, op.version_type) for op in ops]))
            gte = [i for i, op in enumerate(ops) if op.version_type == "external_gte"]
            conflicted = tuple(i for i in range(len(ops)) if i not in gte)
            return BulkOutcome(len(gte), len(conflicted), (), (), conflicted)

        def purge_tombstones(self, doc_ids: Any) -> dict[str, int]:
            return {"result|RC9|PURGED": 1, "result|RC9|NEWER": 2}

    writer = PurgedWriter()
    pipeline, _ = _pipeline(writer)
    for offset, record_id in enumerate(("PURGED", "NEWER", "DUPLICATE")):
        pipeline.handle(_message(offset, linked(result_event(source_record_id=record_id), "P1")))
    pipeline.flush()
    bulks = [args for name, args in writer.calls if name == "bulk"]
    assert bulks[1] == [("result|RC9|PURGED", "external_gte")]
    assert (pipeline.stats.written, pipeline.stats.conflicts, pipeline.stats.retries) == (1, 2, 0)


def _names(writer: FakeWriter) -> list[str]:
    return [name for name, _ in writer.calls]


def test_a_refresh_is_due_only_after_a_write_and_the_interval() -> None:
    """The worker owns the refreshes: due once something was written and the interval has
    passed since the last refresh; refreshing clears it."""
    writer = FakeWriter()
    pipeline, _ = _pipeline(writer)
    assert not pipeline.refresh_due(0.0)  # nothing written yet
    pipeline.handle(_message(0, linked(result_event(), "P1")))
    pipeline.flush()
    assert not pipeline.refresh_due(60.0)  # written, but refreshed less than a minute ago
    assert pipeline.refresh_due(0.0)
    pipeline.refresh()
    assert _names(writer)[-1] == "refresh"
    assert not pipeline.refresh_due(0.0)


def test_settle_refreshes_before_summaries_and_leaves_them_due() -> None:
    """A settle's summaries refresh first (documents searchable, summaries computed from
    them); the summaries it writes make the next refresh due, and a settle with nothing
    dirty refreshes just for them."""
    writer = FakeWriter()
    pipeline, _ = _pipeline(writer)
    pipeline.handle(_message(0, linked(result_event(), "P1")))
    pipeline.settle()
    assert _names(writer) == ["routes", "bulk", "refresh", "summaries", "bulk"]
    assert pipeline.refresh_due(0.0)
    pipeline.settle()
    assert _names(writer)[5:] == ["refresh"]
    pipeline.settle()
    assert _names(writer)[6:] == []  # nothing written since: no refresh
