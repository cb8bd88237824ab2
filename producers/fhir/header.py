"""The event header every mapper shares: ids, versions, operation and confidentiality.

- ``event_id`` is a UUID5 of org, record type, source record id, version and operation, so
  mapping the same file twice gives the same ids (duplicates are then harmless downstream).
- ``source_record_id`` is ``<resourceType>/<id>`` (the entry's ``urn:uuid`` stands in for a
  missing id); a mapper appends a suffix when one resource yields several events.
- ``record_version`` is ``meta.versionId`` when it is an integer, else ``meta.lastUpdated``
  in epoch milliseconds, else 1.
- ``operation`` is DELETE for a Bundle entry whose request is DELETE, ENTERED_IN_ERROR for
  status (Immunization and others; or, for Condition and AllergyIntolerance, ``verificationStatus``)
  ``entered-in-error``, else UPSERT.
- ``confidentiality`` keeps the restrictive ``meta.security`` labels (v3-Confidentiality R
  and V) and turns v3-ActCode sensitivity labels into named categories. U, L, M and N are
  dropped on purpose: they do not restrict sharing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from producers.fhir.document import Document, Entry
from producers.fhir.elements import Json, child, coding_codes, items, meta_of, string
from producers.fhir.errors import MappingError
from producers.fhir.identity import PatientRef
from producers.fhir.times import epoch_millis, parse_timestamp
from schemas.events import RecordType

EVENT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mcr:producers:fhir")

_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_RESTRICTIVE = frozenset({"R", "V"})
SENSITIVE_CATEGORIES: dict[str, str] = {
    "ETH": "substance-misuse",
    "SUD": "substance-misuse",
    "HIV": "hiv",
    "PSY": "mental-health",
    "MH": "mental-health",
    "BH": "mental-health",
    "SDV": "sexual-violence",
    "SEX": "sexual-health",
    "STD": "sexual-health",
    "GDIS": "genetic",
}


@dataclass(frozen=True)
class Context:
    """What a mapper needs besides the resource: the caller's ids and the document."""

    org: str
    source_system: str
    document: Document
    entry: Entry

    @property
    def resource(self) -> Json:
        assert self.entry.resource is not None  # mappers only ever see entries with a resource
        return self.entry.resource

    @property
    def resource_type(self) -> str:
        return str(self.resource.get("resourceType"))


def header(
    ctx: Context,
    record_type: RecordType,
    *,
    patient: PatientRef,
    occurred_at: datetime,
    recorded_at: datetime,
    suffix: str = "",
) -> dict[str, Any]:
    """The header of one event about ``ctx.resource``."""
    record_id = source_record_id(ctx) + suffix
    version = record_version(ctx.resource)
    operation = operation_of(ctx.resource, ctx.entry)
    name = "|".join((ctx.org, record_type.value, record_id, str(version), operation))
    return {
        "event_id": str(uuid.uuid5(EVENT_ID_NAMESPACE, name)),
        "org": ctx.org,
        "source_system": ctx.source_system,
        "local_patient_id": patient.local_id,
        "nhs_number": patient.nhs_number,
        "nhs_number_status": patient.nhs_number_status,
        "source_record_id": record_id,
        "record_version": version,
        "occurred_at": occurred_at,
        "recorded_at": recorded_at,
        "operation": operation,
        "confidentiality": confidentiality_of(ctx.resource),
    }


def source_record_id(ctx: Context) -> str:
    """``<resourceType>/<id>``; MappingError when the resource has neither id nor urn:uuid."""
    logical_id = string(ctx.resource, "id")
    full_url = ctx.entry.full_url or ""
    if logical_id is None and full_url.startswith("urn:uuid:"):
        logical_id = full_url.removeprefix("urn:uuid:")
    if logical_id is None:
        raise MappingError(f"{ctx.resource_type}.id: missing (no id or urn:uuid fullUrl)")
    return f"{ctx.resource_type}/{logical_id}"


def record_version(resource: Json) -> int:
    """meta.versionId if an integer, else meta.lastUpdated in epoch millis, else 1."""
    meta = meta_of(resource)
    version = string(meta, "versionId")
    if version is not None and version.isdigit():
        return int(version)
    updated = string(meta, "lastUpdated")
    if updated is not None:
        try:
            return epoch_millis(parse_timestamp(updated))
        except ValueError:
            pass  # a bad lastUpdated is reported by the mapper that reads it as a time
    return 1


def operation_of(resource: Json, entry: Entry) -> str:
    """DELETE, ENTERED_IN_ERROR or UPSERT (see the module docstring)."""
    if entry.method == "DELETE":
        return "DELETE"
    if resource.get("status") == "entered-in-error":
        return "ENTERED_IN_ERROR"
    if "entered-in-error" in coding_codes(child(resource, "verificationStatus")):
        return "ENTERED_IN_ERROR"
    return "UPSERT"


def confidentiality_of(resource: Json) -> list[str]:
    """The confidentiality labels of ``resource``, sorted and without duplicates."""
    meta = meta_of(resource)
    labels: set[str] = set()
    for label in items(meta, "security"):
        system, code = string(label, "system"), string(label, "code") or ""
        if system == _CONFIDENTIALITY and code in _RESTRICTIVE:
            labels.add(code)
        elif system == _ACT_CODE and code in SENSITIVE_CATEGORIES:
            labels.add(SENSITIVE_CATEGORIES[code])
    return sorted(labels)
