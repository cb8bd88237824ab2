"""MedicationRequest (kind REQUEST) and MedicationStatement (kind STATEMENT) -> medication
events (schema ``medication``).

The medicine is ``medicationCodeableConcept``, or the code of the Medication that
``medicationReference`` points to (contained, or elsewhere in the Bundle); dm+d preferred
(SNOMED CT medicine codes are dm+d codes, see :mod:`producers.fhir.codes`).

Dose: the text of every dosage line joined with ``; ``; quantity, unit, route and frequency
from the first line only. Dropped on purpose: dose ranges and rates (the text carries them),
``asNeeded``, site, method, max dose, substitution, dispense quantities, notes, reasons.

``prescriber`` is an ODS code only (a requester Organization or PractitionerRole); a named
practitioner is never copied. Dates are the calendar dates as written, without zone shifts.

Skipped: draft requests (not yet a prescription) and ``not-taken`` statements (a statement
that the patient does not take it is not a medicine in their list).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from producers.fhir.codes import MEDICINE_PREFERENCE, code_from
from producers.fhir.elements import (
    Json,
    child,
    coding_codes,
    concept_text,
    first,
    items,
    meta_of,
    number,
    plain_number,
    string,
    unit_of,
)
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.organisations import ods_code
from producers.fhir.skips import Skip
from producers.fhir.times import date_at, first_timestamp
from schemas.events import RecordType, SourceEvent

REQUEST_STATUS: dict[str, str] = {
    "active": "ACTIVE",
    "on-hold": "ON_HOLD",
    "cancelled": "CANCELLED",
    "completed": "COMPLETED",
    "stopped": "STOPPED",
    "entered-in-error": "CANCELLED",
    "unknown": "UNKNOWN",
}
STATEMENT_STATUS: dict[str, str] = {
    "active": "ACTIVE",
    "completed": "COMPLETED",
    "stopped": "STOPPED",
    "on-hold": "ON_HOLD",
    "entered-in-error": "CANCELLED",
    "intended": "UNKNOWN",
    "unknown": "UNKNOWN",
}
COURSE: dict[str, str] = {
    "acute": "ACUTE",
    "continuous": "REPEAT",
    "seasonal": "REPEAT",
    "continuous-repeat-dispensing": "REPEAT_DISPENSING",
}
_SKIPPED_STATUS = {"MedicationRequest": "draft", "MedicationStatement": "not-taken"}
_UNIT_WORDS = {
    "s": "second",
    "min": "minute",
    "h": "hour",
    "d": "day",
    "wk": "week",
    "mo": "month",
    "a": "year",
}


def map_medication(ctx: Context) -> list[SourceEvent] | Skip:
    """One medication event for a MedicationRequest or MedicationStatement."""
    resource, kind = ctx.resource, ctx.resource_type
    status = string(resource, "status") or ""
    if status == _SKIPPED_STATUS[kind]:
        return Skip(f"{kind}({status})")
    table = REQUEST_STATUS if kind == "MedicationRequest" else STATEMENT_STATUS
    if status not in table:
        raise MappingError(f"{kind}.status: missing or not an R4 status")
    patient = referenced_patient(resource, "subject", ctx.document)
    occurred, recorded = _times(resource, kind)
    payload = {
        "header": header(
            ctx, RecordType.MEDICATION, patient=patient, occurred_at=occurred, recorded_at=recorded
        ),
        "medication": _medicine(ctx),
        "kind": "REQUEST" if kind == "MedicationRequest" else "STATEMENT",
        "status": table[status],
        "course": _course(resource),
        **_dose(resource, kind),
        **_dates(resource, kind),
        "prescriber": ods_code(items(resource, "requester"), ctx.document, within=resource),
    }
    return [SourceEvent(RecordType.MEDICATION, payload)]


def _medicine(ctx: Context) -> dict[str, Any]:
    resource, kind = ctx.resource, ctx.resource_type
    concept = resource.get("medicationCodeableConcept")
    if isinstance(concept, dict):
        return code_from(
            concept, f"{kind}.medicationCodeableConcept", prefer=MEDICINE_PREFERENCE, medicine=True
        )
    reference = resource.get("medicationReference")
    if not isinstance(reference, dict):
        raise MappingError(f"{kind}.medication[x]: missing")
    medication = ctx.document.resolve(reference, within=resource)
    if medication is None or medication.get("resourceType") != "Medication":
        raise MappingError(f"{kind}.medicationReference: no Medication found in the document")
    return code_from(
        medication.get("code"),
        f"{kind}.medicationReference(Medication).code",
        prefer=MEDICINE_PREFERENCE,
        medicine=True,
    )


def _times(resource: Json, kind: str) -> tuple[datetime, datetime]:
    meta = meta_of(resource)
    updated = (meta, "lastUpdated", f"{kind}.meta.lastUpdated")
    own: list[tuple[Json | None, str, str]]
    if kind == "MedicationRequest":
        own = [(resource, "authoredOn", f"{kind}.authoredOn")]
    else:
        period = child(resource, "effectivePeriod")
        own = [
            (resource, "effectiveDateTime", f"{kind}.effectiveDateTime"),
            (period, "start", f"{kind}.effectivePeriod.start"),
            (resource, "dateAsserted", f"{kind}.dateAsserted"),
        ]
    occurred = first_timestamp(*own, updated)
    if occurred is None:
        first_choice = "authoredOn" if kind == "MedicationRequest" else "effective[x]"
        raise MappingError(f"{kind}.{first_choice}: missing (and no other time of record)")
    recorded = first_timestamp(updated, *own[::-1])
    return occurred, recorded or occurred


def _course(resource: Json) -> str:
    codes = coding_codes(child(resource, "courseOfTherapyType"))
    return next((COURSE[code] for code in sorted(codes) if code in COURSE), "UNKNOWN")


def _dose(resource: Json, kind: str) -> dict[str, Any]:
    lines = items(resource, "dosageInstruction" if kind == "MedicationRequest" else "dosage")
    texts = [text for line in lines if (text := string(line, "text"))]
    line = lines[0] if lines else None
    rate = first(line, "doseAndRate")
    quantity = child(rate, "doseQuantity")
    return {
        "dose_text": "; ".join(texts) or None,
        "dose_quantity": number(quantity, "value"),
        "dose_unit": unit_of(quantity) if quantity else None,
        "route": concept_text(child(line, "route")),
        "frequency": _frequency(child(line, "timing")),
    }


def _frequency(timing: Json | None) -> str | None:
    if text := concept_text(child(timing, "code")):
        return text
    repeat = child(timing, "repeat")
    times, period = number(repeat, "frequency"), number(repeat, "period")
    unit = _UNIT_WORDS.get(string(repeat, "periodUnit") or "")
    if times is None or period is None or unit is None:
        return None
    every = unit if period == 1 else f"{plain_number(period)} {unit}s"
    return f"{plain_number(times)} per {every}"


def _dates(resource: Json, kind: str) -> dict[str, date | None]:
    if kind == "MedicationStatement":
        period = child(resource, "effectivePeriod")
        start = date_at(period, "start", f"{kind}.effectivePeriod.start")
        start = start or date_at(resource, "effectiveDateTime", f"{kind}.effectiveDateTime")
        return {
            "start_date": start,
            "end_date": date_at(period, "end", f"{kind}.effectivePeriod.end"),
        }
    repeat = child(child(first(resource, "dosageInstruction"), "timing"), "repeat")
    bounds = child(repeat, "boundsPeriod")
    validity = child(child(resource, "dispenseRequest"), "validityPeriod")
    path = f"{kind}.dosageInstruction[0].timing.repeat.boundsPeriod"
    start = (
        date_at(bounds, "start", f"{path}.start")
        or date_at(validity, "start", f"{kind}.dispenseRequest.validityPeriod.start")
        or date_at(resource, "authoredOn", f"{kind}.authoredOn")
    )
    end = date_at(bounds, "end", f"{path}.end") or date_at(
        validity, "end", f"{kind}.dispenseRequest.validityPeriod.end"
    )
    return {"start_date": start, "end_date": end}
