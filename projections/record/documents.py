"""Source event -> OpenSearch document. Pure: values in, values out.

Every projected event becomes exactly one versioned document whose id is the item's stable id
and whose external version is the source ``record_version``. ``DELETE`` and
``ENTERED_IN_ERROR`` become *tombstones*: the same id and version, ``deleted: true`` and no
clinical content. A tombstone stays in the index, so a late, older upsert is a version conflict
and can never bring the item back (a real delete would only be remembered for
``index.gc_deletes``, 60 s by default). Readers filter ``deleted: false``.

A purge leaves tombstones too (:func:`purge_tombstone`), at the purged document's own version
and without its person, source key, provenance or content. An item shared again after a purge
at the same ``record_version`` replaces its purge tombstone whenever it is processed (the
pipeline re-sends that one conflict with ``external_gte``), so the record is a function of the
log alone, never of how long ago the purge ran.

Fields are picked by name, one decision per field: a field added to a schema is not indexed
until it is added here and to ``mapping.py``. Consent events are not projected (None).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from projections.record.errors import DocumentError
from projections.record.ids import item_id
from schemas.events import RecordType, source_key
from schemas.instants import iso_instant

__all__ = [
    "DOC_KIND_ITEM",
    "DOC_KIND_PATIENT",
    "DOC_KIND_SUMMARY",
    "ITEM_TYPES",
    "MAX_VERSION",
    "OPERATION_PURGE",
    "IndexDoc",
    "Origin",
    "build_document",
    "is_purge_tombstone",
    "iso_instant",
    "purge_tombstone",
]

DOC_KIND_ITEM = "item"
DOC_KIND_PATIENT = "patient"
DOC_KIND_SUMMARY = "summary"
ITEM_TYPES: tuple[RecordType, ...] = (
    RecordType.RESULT,
    RecordType.MEDICATION,
    RecordType.ENCOUNTER,
    RecordType.CONDITION,
    RecordType.ALLERGY,
    RecordType.IMMUNISATION,
    RecordType.PROCEDURE,
    RecordType.DOCUMENT,
)
_REMOVING_OPERATIONS = frozenset({"DELETE", "ENTERED_IN_ERROR"})
#: ``operation`` of a tombstone a purge left (source operations are UPSERT, DELETE, ...).
OPERATION_PURGE = "PURGE"
#: What a purge tombstone keeps: enough to be found by an item purge again and to be versioned.
_PURGE_KEEPS = ("doc_kind", "record_type", "org", "source_record_id", "record_version")
#: OpenSearch external versions are non-negative longs below Long.MAX_VALUE.
MAX_VERSION = 2**63 - 2


@dataclass(frozen=True)
class Origin:
    """Where and when the projection saw the event: the person it belongs to, the coordinates
    of the consumed message, and those of the original source event (from the linked headers)."""

    person_id: str
    topic: str
    partition: int
    offset: int
    received_at: datetime
    source_topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None


@dataclass(frozen=True)
class IndexDoc:
    """One write: document id, external version, owner and the JSON body."""

    doc_id: str
    version: int
    person_id: str
    body: dict[str, Any]


def _instant(value: Any) -> str | None:
    return None if value is None else iso_instant(value)


def _day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def _same(value: Any) -> Any:
    return value


def _strings(value: Any) -> list[str]:
    return list(value or [])


def _code(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"system": value["system"], "code": value["code"], "display": value.get("display")}


Spec = Mapping[str, Callable[[Any], Any]]
_RESULT: Spec = {
    "code": _code, "panel": _code, "status": _same, "value_quantity": _same,
    "value_text": _same, "unit": _same, "reference_low": _same, "reference_high": _same,
    "reference_text": _same, "abnormal_flag": _same, "specimen": _same,
    "issued_at": _instant, "performer_org": _same, "category": _same,
}  # fmt: skip
_MEDICATION: Spec = {
    "medication": _code, "kind": _same, "status": _same, "course": _same,
    "dose_text": _same, "dose_quantity": _same, "dose_unit": _same, "route": _same,
    "frequency": _same, "start_date": _day, "end_date": _day, "prescriber": _same,
}  # fmt: skip
_ENCOUNTER: Spec = {
    "encounter_class": _same, "status": _same, "period_start": _instant,
    "period_end": _instant, "service": _same, "location": _same, "reason": _code,
}  # fmt: skip
_CONDITION: Spec = {
    "code": _code, "category": _same, "clinical_status": _same, "verification_status": _same,
    "severity": _same, "onset_date": _day, "abatement_date": _day, "asserter_org": _same,
}  # fmt: skip
_ALLERGY: Spec = {
    "code": _code, "clinical_status": _same, "verification_status": _same,
    "allergy_type": _same, "categories": _strings, "criticality": _same, "onset_date": _day,
    "reactions": lambda value: [_code(c) for c in value or ()], "reaction_severity": _same,
}  # fmt: skip
_IMMUNISATION: Spec = {
    "vaccine": _code, "status": _same, "occurrence_date": _day, "primary_source": _same,
    "lot_number": _same, "site": _same, "route": _same, "dose_number": _same,
    "performer_org": _same,
}  # fmt: skip
_PROCEDURE: Spec = {
    "code": _code, "status": _same, "performed_start": _instant, "performed_end": _instant,
    "body_site": _same, "outcome": _same, "reasons": lambda value: [_code(c) for c in value or ()],
    "performer_org": _same,
}  # fmt: skip


def _base64(value: Any) -> str | None:
    return base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else None


_DOCUMENT: Spec = {
    "type": _code, "status": _same, "date": _instant, "description": _same,
    "author_org": _same, "title": _same, "content_type": _same, "url": _same,
    "data": _base64, "size": _same,
}  # fmt: skip
_PATIENT: Spec = {
    "given_names": _strings, "family_name": _same, "birth_date": _day, "sex": _same,
    "postcode": _same, "address_lines": _strings, "phone": _same, "deceased_at": _instant,
    "registered_gp_practice": _same, "preferred_language": _same,
    "merged_local_patient_ids": _strings, "previous_local_patient_id": _same,
}  # fmt: skip
_SPECS: dict[RecordType, Spec] = {
    RecordType.RESULT: _RESULT,
    RecordType.MEDICATION: _MEDICATION,
    RecordType.ENCOUNTER: _ENCOUNTER,
    RecordType.CONDITION: _CONDITION,
    RecordType.ALLERGY: _ALLERGY,
    RecordType.IMMUNISATION: _IMMUNISATION,
    RecordType.PROCEDURE: _PROCEDURE,
    RecordType.DOCUMENT: _DOCUMENT,
    RecordType.PATIENT: _PATIENT,
}


def _pick(payload: Mapping[str, Any], spec: Spec) -> dict[str, Any]:
    return {name: convert(payload.get(name)) for name, convert in spec.items()}


def _type_fields(record_type: RecordType, payload: Mapping[str, Any]) -> dict[str, Any]:
    fields = _pick(payload, _SPECS[record_type])
    if record_type is RecordType.PATIENT:
        header = payload["header"]
        fields["nhs_number"] = header.get("nhs_number")
        fields["nhs_number_status"] = header.get("nhs_number_status")
    return fields


def _required(header: Mapping[str, Any], name: str) -> str:
    value = header.get(name)
    if not isinstance(value, str) or not value:
        raise DocumentError(f"header.{name}: must be a non-empty string", field=f"header.{name}")
    return value


def _version(header: Mapping[str, Any]) -> int:
    version = header.get("record_version")
    if not isinstance(version, int) or not 0 <= version <= MAX_VERSION:
        raise DocumentError(
            f"header.record_version: must be an integer from 0 to {MAX_VERSION}",
            field="header.record_version",
        )
    return version


def _common(record_type: RecordType, schema_version: int, header: Mapping[str, Any],
            origin: Origin) -> dict[str, Any]:  # fmt: skip
    org = _required(header, "org")
    return {
        "doc_kind": DOC_KIND_PATIENT if record_type is RecordType.PATIENT else DOC_KIND_ITEM,
        "record_type": record_type.value,
        "person_id": origin.person_id,
        "source_key": source_key(org, _required(header, "local_patient_id")),
        "org": org,
        "source_system": _required(header, "source_system"),
        "source_record_id": _required(header, "source_record_id"),
        "record_version": _version(header),
        "schema_version": schema_version,
        "event_id": header.get("event_id"),
        "operation": header.get("operation", "UPSERT"),
        "confidentiality": list(header.get("confidentiality") or []),
        "occurred_at": _instant(header.get("occurred_at")),
        "recorded_at": _instant(header.get("recorded_at")),
        "received_at": iso_instant(origin.received_at),
        "kafka": {
            "topic": origin.topic,
            "partition": origin.partition,
            "offset": origin.offset,
            "source_topic": origin.source_topic,
            "source_partition": origin.source_partition,
            "source_offset": origin.source_offset,
        },
    }


def build_document(
    record_type: RecordType, payload: Mapping[str, Any], origin: Origin, *, schema_version: int
) -> IndexDoc | None:
    """The document for one decoded source event, or None when the type is not projected.

    Raises DocumentError naming the field when the header lacks what an id or version needs.
    """
    if record_type not in _SPECS:
        return None
    if not origin.person_id:
        raise DocumentError("person_id header: missing or empty", field="person_id")
    header = payload.get("header")
    if not isinstance(header, Mapping):
        raise DocumentError("header: missing", field="header")
    body = _common(record_type, schema_version, header, origin)
    body["deleted"] = body["operation"] in _REMOVING_OPERATIONS
    if not body["deleted"]:
        body[record_type.value] = _type_fields(record_type, payload)
    doc_id = item_id(
        record_type=record_type.value, org=body["org"], source_record_id=body["source_record_id"]
    )
    return IndexDoc(doc_id, body["record_version"], origin.person_id, body)


def purge_tombstone(source: Mapping[str, Any], *, command_id: str) -> dict[str, Any]:
    """The body that replaces a purged item or patient document ``source``.

    It keeps the kind, type, organisation, source record id and version (so the same version
    shared again after the purge replaces it, and an item purge still finds it), and drops the
    person, the source key, the provenance and every clinical field: after an objection the
    index no longer ties the item to anyone. ``event_id`` holds the purge command's id.
    """
    body = {name: source.get(name) for name in _PURGE_KEEPS}
    body.update(operation=OPERATION_PURGE, event_id=command_id, deleted=True)
    return body


def is_purge_tombstone(source: Mapping[str, Any]) -> bool:
    """True when ``source`` is a tombstone a purge left."""
    return source.get("operation") == OPERATION_PURGE
