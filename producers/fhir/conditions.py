"""Condition -> condition events (schema ``condition``): problems and diagnoses.

The problem is ``code``, SNOMED CT preferred, then ICD-10, then Read (a Condition without a
coded ``code`` is rejected: text alone is not a problem the record can list). ``category``
``problem-list-item`` is a PROBLEM, ``encounter-diagnosis`` a DIAGNOSIS, anything else UNKNOWN.
Onset and abatement are the calendar dates as written (``onsetDateTime``, ``onsetPeriod.start``;
``abatementDateTime``, ``abatementPeriod.end``); ages, ranges and strings are dropped.
``asserter_org`` is an ODS code only: a named practitioner is never copied.

``verificationStatus`` ``entered-in-error`` makes the event ENTERED_IN_ERROR (see
:mod:`producers.fhir.header`); notes, body sites, stages and evidence are dropped on purpose.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producers.fhir.codes import REASON_PREFERENCE, code_from
from producers.fhir.elements import Json, child, coding_codes, concept_text, meta_of
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.organisations import ods_code
from producers.fhir.times import date_at, first_timestamp
from schemas.events import RecordType, SourceEvent

CLINICAL_STATUS: dict[str, str] = {
    "active": "ACTIVE",
    "recurrence": "RECURRENCE",
    "relapse": "RELAPSE",
    "inactive": "INACTIVE",
    "remission": "REMISSION",
    "resolved": "RESOLVED",
}
VERIFICATION_STATUS: dict[str, str] = {
    "unconfirmed": "UNCONFIRMED",
    "provisional": "PROVISIONAL",
    "differential": "DIFFERENTIAL",
    "confirmed": "CONFIRMED",
    "refuted": "REFUTED",
}
CATEGORY: dict[str, str] = {"problem-list-item": "PROBLEM", "encounter-diagnosis": "DIAGNOSIS"}


def map_condition(ctx: Context) -> list[SourceEvent]:
    """One condition event for a Condition."""
    resource = ctx.resource
    patient = referenced_patient(resource, "subject", ctx.document)
    occurred, recorded = _times(resource)
    asserter = child(resource, "asserter")
    payload = {
        "header": header(
            ctx, RecordType.CONDITION, patient=patient, occurred_at=occurred, recorded_at=recorded
        ),
        "code": code_from(child(resource, "code"), "Condition.code", prefer=REASON_PREFERENCE),
        "category": _category(resource),
        "clinical_status": _status(child(resource, "clinicalStatus"), CLINICAL_STATUS),
        "verification_status": _status(child(resource, "verificationStatus"), VERIFICATION_STATUS),
        "severity": concept_text(child(resource, "severity")),
        **_dates(resource),
        "asserter_org": ods_code([asserter] if asserter else [], ctx.document, within=resource),
    }
    return [SourceEvent(RecordType.CONDITION, payload)]


def _status(concept: Json | None, table: dict[str, str]) -> str:
    return next((table[code] for code in sorted(coding_codes(concept)) if code in table), "UNKNOWN")


def _category(resource: Json) -> str:
    codes: set[str] = set()
    for concept in resource.get("category") or ():
        codes |= coding_codes(concept if isinstance(concept, dict) else None)
    found = sorted(CATEGORY[code] for code in codes if code in CATEGORY)
    return found[-1] if found else "UNKNOWN"  # PROBLEM wins over DIAGNOSIS when both are given


def _times(resource: Json) -> tuple[datetime, datetime]:
    updated = (meta_of(resource), "lastUpdated", "Condition.meta.lastUpdated")
    own = [
        (resource, "onsetDateTime", "Condition.onsetDateTime"),
        (child(resource, "onsetPeriod"), "start", "Condition.onsetPeriod.start"),
        (resource, "recordedDate", "Condition.recordedDate"),
    ]
    occurred = first_timestamp(*own, updated)
    if occurred is None:
        raise MappingError("Condition.onset[x]: missing (and no other time of record)")
    recorded = first_timestamp((resource, "recordedDate", "Condition.recordedDate"), updated)
    return occurred, recorded or occurred


def _dates(resource: Json) -> dict[str, Any]:
    onset = date_at(resource, "onsetDateTime", "Condition.onsetDateTime") or date_at(
        child(resource, "onsetPeriod"), "start", "Condition.onsetPeriod.start"
    )
    abated = date_at(resource, "abatementDateTime", "Condition.abatementDateTime") or date_at(
        child(resource, "abatementPeriod"), "end", "Condition.abatementPeriod.end"
    )
    return {"onset_date": onset, "abatement_date": abated}
