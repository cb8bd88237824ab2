"""Encounter -> encounter event (schema ``encounter``).

- class: v3-ActCode (AMB, IMP, ACUTE, NONAC, SS, EMER, HH, VR, FLD), v2-0004 patient class
  (I, O, E) and the plain words some systems send (``outpatient``, ``inpatient``,
  ``emergency``, ``ambulatory``, ``home``, ``virtual``, ``community``); anything else OTHER.
- service: serviceType, else the first type (text or display).
- location: the display of the first location, or the name of the Location it resolves to.
- reason: the first coded reasonCode (SNOMED, then ICD-10, then Read). reasonReference is
  dropped on purpose: a Condition's code can be more sensitive than the encounter itself.
- occurred_at: period.start, else meta.lastUpdated; none -> rejected.
- Dropped on purpose: participants (people), diagnoses, hospitalization, episode, account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producers.fhir.codes import REASON_PREFERENCE, optional_code
from producers.fhir.elements import (
    Json,
    child,
    codings,
    concept_text,
    first,
    items,
    meta_of,
    string,
)
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.times import first_timestamp, timestamp_at
from schemas.events import RecordType, SourceEvent

_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_PATIENT_CLASS = "http://terminology.hl7.org/CodeSystem/v2-0004"
ENCOUNTER_CLASS: dict[tuple[str | None, str], str] = {
    (_ACT_CODE, "AMB"): "AMBULATORY",
    (_ACT_CODE, "IMP"): "INPATIENT",
    (_ACT_CODE, "ACUTE"): "INPATIENT",
    (_ACT_CODE, "NONAC"): "INPATIENT",
    (_ACT_CODE, "SS"): "INPATIENT",
    (_ACT_CODE, "EMER"): "EMERGENCY",
    (_ACT_CODE, "HH"): "HOME",
    (_ACT_CODE, "VR"): "VIRTUAL",
    (_ACT_CODE, "FLD"): "COMMUNITY",
    (_PATIENT_CLASS, "I"): "INPATIENT",
    (_PATIENT_CLASS, "O"): "OUTPATIENT",
    (_PATIENT_CLASS, "E"): "EMERGENCY",
}
_CLASS_WORDS = {
    "outpatient": "OUTPATIENT",
    "inpatient": "INPATIENT",
    "emergency": "EMERGENCY",
    "ambulatory": "AMBULATORY",
    "home": "HOME",
    "virtual": "VIRTUAL",
    "community": "COMMUNITY",
}
ENCOUNTER_STATUS: dict[str, str] = {
    "planned": "PLANNED",
    "arrived": "ARRIVED",
    "triaged": "ARRIVED",
    "in-progress": "IN_PROGRESS",
    "onleave": "IN_PROGRESS",
    "finished": "FINISHED",
    "cancelled": "CANCELLED",
    "entered-in-error": "CANCELLED",
    "unknown": "UNKNOWN",
}


def map_encounter(ctx: Context) -> list[SourceEvent]:
    """One encounter event."""
    encounter = ctx.resource
    status = string(encounter, "status") or ""
    if status not in ENCOUNTER_STATUS:
        raise MappingError("Encounter.status: missing or not an R4 status")
    patient = referenced_patient(encounter, "subject", ctx.document)
    period = child(encounter, "period")
    start = timestamp_at(period, "start", "Encounter.period.start")
    end = timestamp_at(period, "end", "Encounter.period.end")
    occurred, recorded = _times(encounter, start)
    payload = {
        "header": header(
            ctx, RecordType.ENCOUNTER, patient=patient, occurred_at=occurred, recorded_at=recorded
        ),
        "encounter_class": encounter_class(encounter.get("class")),
        "status": ENCOUNTER_STATUS[status],
        "period_start": start,
        "period_end": end,
        "service": concept_text(child(encounter, "serviceType"))
        or concept_text(first(encounter, "type")),
        "location": _location(encounter, ctx),
        "reason": _reason(encounter),
    }
    return [SourceEvent(RecordType.ENCOUNTER, payload)]


def encounter_class(coding: Any) -> str:
    """The schema class of an R4 ``Encounter.class`` Coding (a lone object)."""
    if not isinstance(coding, dict):
        return "OTHER"
    code = string(coding, "code") or ""
    mapped = ENCOUNTER_CLASS.get((string(coding, "system"), code))
    return (
        mapped or _CLASS_WORDS.get(code.lower()) or ENCOUNTER_CLASS.get((_ACT_CODE, code), "OTHER")
    )


def _times(encounter: Json, start: datetime | None) -> tuple[datetime, datetime]:
    updated = first_timestamp((meta_of(encounter), "lastUpdated", "Encounter.meta.lastUpdated"))
    occurred = start or updated
    if occurred is None:
        raise MappingError("Encounter.period.start: missing (and no meta.lastUpdated)")
    return occurred, updated or occurred


def _location(encounter: Json, ctx: Context) -> str | None:
    for place in items(encounter, "location"):
        reference = child(place, "location")
        target = ctx.document.resolve(reference, within=encounter)
        name = string(reference, "display") or string(target, "name")
        if name:
            return name
    return None


def _reason(encounter: Json) -> dict[str, Any] | None:
    for index, concept in enumerate(items(encounter, "reasonCode")):
        if codings(concept):
            return optional_code(
                concept, f"Encounter.reasonCode[{index}]", prefer=REASON_PREFERENCE
            )
    return None
