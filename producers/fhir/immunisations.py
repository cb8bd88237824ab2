"""Immunization -> immunisation events (schema ``immunisation``).

The vaccine is ``vaccineCode``, SNOMED CT then dm+d preferred; other systems (Synthea's CVX)
become LOCAL codes with their display (an uncoded vaccine is rejected). ``status``
``completed`` or ``not-done``; ``entered-in-error`` withdraws the event (see
:mod:`producers.fhir.header`). ``occurrenceDateTime`` is when it was given (an
``occurrenceString`` gives no date); ``primarySource``, ``lotNumber``, ``site`` and ``route``
(as text), the first ``protocolApplied`` dose number, and a performing organisation's ODS code
(a named practitioner is never copied). Dropped on purpose: manufacturer, expiry, dose
quantity, reasons, reactions, education, funding, notes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producers.fhir.codes import CodeSystem, code_from
from producers.fhir.elements import Json, child, concept_text, first, items, meta_of, string
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.organisations import ods_code
from producers.fhir.times import date_at, first_timestamp
from schemas.events import RecordType, SourceEvent

STATUS = {"completed": "COMPLETED", "not-done": "NOT_DONE", "entered-in-error": "COMPLETED"}
_VACCINE_PREFERENCE = (CodeSystem.SNOMED, CodeSystem.DMD)


def map_immunisation(ctx: Context) -> list[SourceEvent]:
    """One immunisation event for an Immunization."""
    resource = ctx.resource
    status = string(resource, "status") or ""
    if status not in STATUS:
        raise MappingError("Immunization.status: missing or not an R4 status")
    patient = referenced_patient(resource, "patient", ctx.document)
    occurred, recorded = _times(resource)
    actors = [actor for p in items(resource, "performer") if (actor := child(p, "actor"))]
    primary = resource.get("primarySource")
    payload = {
        "header": header(
            ctx,
            RecordType.IMMUNISATION,
            patient=patient,
            occurred_at=occurred,
            recorded_at=recorded,
        ),
        "vaccine": code_from(
            child(resource, "vaccineCode"), "Immunization.vaccineCode", prefer=_VACCINE_PREFERENCE
        ),
        "status": STATUS[status],
        "occurrence_date": date_at(
            resource, "occurrenceDateTime", "Immunization.occurrenceDateTime"
        ),
        "primary_source": primary if isinstance(primary, bool) else True,
        "lot_number": string(resource, "lotNumber"),
        "site": concept_text(child(resource, "site")),
        "route": concept_text(child(resource, "route")),
        "dose_number": _dose_number(resource),
        "performer_org": ods_code(actors, ctx.document, within=resource),
    }
    return [SourceEvent(RecordType.IMMUNISATION, payload)]


def _dose_number(resource: Json) -> Any:
    dose = first(resource, "protocolApplied")
    number = dose.get("doseNumberPositiveInt") if dose else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _times(resource: Json) -> tuple[datetime, datetime]:
    updated = (meta_of(resource), "lastUpdated", "Immunization.meta.lastUpdated")
    given = (resource, "occurrenceDateTime", "Immunization.occurrenceDateTime")
    recorded_at = (resource, "recorded", "Immunization.recorded")
    occurred = first_timestamp(given, recorded_at, updated)
    if occurred is None:
        raise MappingError("Immunization.occurrenceDateTime: missing (and no other time of record)")
    return occurred, first_timestamp(recorded_at, updated) or occurred
