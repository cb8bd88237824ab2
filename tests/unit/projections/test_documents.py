"""Source events become documents: ids, versions, provenance, tombstones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from projections.record.documents import (
    Origin,
    build_document,
    is_purge_tombstone,
    iso_instant,
    purge_tombstone,
)
from projections.record.errors import DocumentError
from schemas.events import RecordType, SourceEvent
from tests.unit.projections.builders import (
    allergy_event,
    condition_event,
    consent_event,
    document_event,
    encounter_event,
    immunisation_event,
    medication_event,
    patient_event,
    procedure_event,
    result_event,
)

RECEIVED = datetime(2024, 3, 2, 8, 0, 0, 250000, tzinfo=UTC)
ORIGIN = Origin("PERSON-1", "mcr.linked", 3, 42, RECEIVED, "mcr.source.result", 1, 7)


def _build(event: SourceEvent, origin: Origin = ORIGIN) -> Any:
    return build_document(event.record_type, event.payload, origin, schema_version=1)


def test_result_document_has_provenance_and_result_fields() -> None:
    """A result becomes one item document carrying every provenance field."""
    doc = _build(result_event(source_record_id="R9", version=3))
    assert (doc.doc_id, doc.version, doc.person_id) == ("result|RC9|R9", 3, "PERSON-1")
    body = dict(doc.body)
    result = body.pop("result")
    assert body == {
        "doc_kind": "item",
        "record_type": "result",
        "person_id": "PERSON-1",
        "source_key": "RC9:P001",
        "org": "RC9",
        "source_system": "synthetic-lims",
        "source_record_id": "R9",
        "record_version": 3,
        "schema_version": 1,
        "event_id": body["event_id"],
        "operation": "UPSERT",
        "confidentiality": [],
        "occurred_at": "2024-03-01T09:33:00.000Z",
        "recorded_at": "2024-03-01T09:33:30.000Z",
        "received_at": "2024-03-02T08:00:00.250Z",
        "kafka": {
            "topic": "mcr.linked",
            "partition": 3,
            "offset": 42,
            "source_topic": "mcr.source.result",
            "source_partition": 1,
            "source_offset": 7,
        },
        "deleted": False,
    }
    assert result["code"] == {"system": "LOINC", "code": "718-7", "display": "Haemoglobin"}
    assert (result["value_quantity"], result["issued_at"]) == (5.4, "2024-03-01T11:30:00.000Z")


@pytest.mark.parametrize(
    ("event", "doc_id", "kind", "field", "expected"),
    [
        (medication_event(), "medication|RC9|R001", "item", "start_date", "2024-02-01"),
        (encounter_event(), "encounter|RC9|R001", "item", "period_end", "2024-03-01T09:50:00.000Z"),
        (condition_event(), "condition|RC9|R001", "item", "onset_date", "2019-05-02"),
        (allergy_event(), "allergy|RC9|R001", "item", "categories", ["MEDICATION"]),
        (immunisation_event(), "immunisation|RC9|R001", "item", "occurrence_date", "2023-10-12"),
        (document_event(), "document|RC9|R001", "item", "data", "U2VlbiB0b2RheS4="),
        (
            procedure_event(),
            "procedure|RC9|R001",
            "item",
            "performed_end",
            "2024-03-01T10:15:00.000Z",
        ),
        (patient_event(), "patient|RC9|R001", "patient", "birth_date", "1970-01-01"),
        (patient_event(), "patient|RC9|R001", "patient", "nhs_number", "9990000018"),
    ],
)
def test_each_type_keeps_its_own_fields(
    event: SourceEvent, doc_id: str, kind: str, field: str, expected: str
) -> None:
    """Medications, encounters and patients keep their fields under their type's name."""
    doc = _build(event)
    assert (doc.doc_id, doc.body["doc_kind"]) == (doc_id, kind)
    assert doc.body[event.record_type.value][field] == expected


@pytest.mark.parametrize("operation", ["DELETE", "ENTERED_IN_ERROR"])
def test_removal_becomes_a_tombstone_without_clinical_content(operation: str) -> None:
    """DELETE and ENTERED_IN_ERROR keep the id and version but drop the clinical fields."""
    doc = _build(result_event(version=4, operation=operation))
    assert (doc.doc_id, doc.version) == ("result|RC9|R001", 4)
    assert (doc.body["deleted"], doc.body["operation"]) == (True, operation)
    assert "result" not in doc.body


def test_consent_events_are_not_projected() -> None:
    """Consent is the consent stage's business: no document."""
    assert _build(consent_event()) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"record_version": -1}, "header.record_version"),
        ({"record_version": 2**63}, "header.record_version"),
        ({"org": ""}, "header.org"),
        ({"source_record_id": ""}, "header.source_record_id"),
        ({"local_patient_id": ""}, "header.local_patient_id"),
    ],
)
def test_unusable_headers_raise_document_error_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    """A header that cannot give an id or version is refused with its field path."""
    event = result_event()
    payload = {**event.payload, "header": {**event.payload["header"], **change}}
    with pytest.raises(DocumentError, match=field.replace(".", r"\.")) as caught:
        build_document(RecordType.RESULT, payload, ORIGIN, schema_version=1)
    assert caught.value.field == field


def test_missing_person_is_refused() -> None:
    """An event without a person id cannot be placed in anyone's record."""
    origin = Origin("", "mcr.linked", 0, 0, RECEIVED)
    with pytest.raises(DocumentError, match="person_id"):
        _build(result_event(), origin)


def test_same_event_builds_the_same_document() -> None:
    """Building is deterministic: a replay produces the identical document."""
    assert _build(medication_event()) == _build(medication_event())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "2024-01-02T03:04:05.678Z"),
        (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05.000Z"),
    ],
)
def test_iso_instant_is_utc_millis_with_z(value: datetime, expected: str) -> None:
    """Timestamps are written as UTC with milliseconds (naive ones taken as UTC)."""
    assert iso_instant(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(987, 6, 5, 4, 3, 2, 999, tzinfo=UTC),
        datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2024, 2, 29, 0, 0, 0, 1000, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
    ],
)
def test_the_fast_utc_path_writes_what_the_general_one_does(value: datetime) -> None:
    """UTC values take a shortcut; the same instant in another zone (the general path) gives
    the identical string, truncated (not rounded) to milliseconds."""
    other = value.astimezone(timezone(timedelta(hours=-5))) if value.year > 1 else value
    assert iso_instant(value) == iso_instant(other)
    assert iso_instant(value) == value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_purge_tombstone_keeps_its_id_fields_and_version_and_nothing_else() -> None:
    """A purged item keeps what versions it and lets an item purge find it; no person, key,
    provenance or clinical content survives."""
    doc = _build(result_event(version=3))
    tombstone = purge_tombstone(doc.body, command_id="cmd-9")
    assert tombstone == {
        "doc_kind": "item", "record_type": "result", "org": "RC9", "source_record_id": "R001",
        "record_version": 3, "operation": "PURGE", "event_id": "cmd-9", "deleted": True,
    }  # fmt: skip
    assert is_purge_tombstone(tombstone) and not is_purge_tombstone(doc.body)
