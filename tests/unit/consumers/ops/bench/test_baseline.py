"""The baseline's minimal document: ids, type, version and time, decoded from the wire."""

from __future__ import annotations

from consumers.ops.bench.baseline import baseline_document
from consumers.ops.bench.events import region_events
from schemas.codec import encode


def test_baseline_document_keeps_only_ids_type_version_and_time() -> None:
    """A real simulator event becomes a small document with no clinical or personal content."""
    event = next(e for e in region_events(30, seed=5).events if e.record_type.value == "patient")
    header = event.payload["header"]

    document = baseline_document(encode(event))

    assert document == {
        "event_id": header["event_id"],
        "record_type": "patient",
        "org": header["org"],
        "local_patient_id": header["local_patient_id"],
        "source_record_id": header["source_record_id"],
        "record_version": header["record_version"],
        "occurred_at": header["occurred_at"].isoformat(),
    }
