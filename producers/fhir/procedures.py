"""Procedure -> procedure events (schema ``procedure``).

The procedure is ``code``, SNOMED CT preferred (then OPCS-4 when a source sends it as a known
system; others, such as a local code, become LOCAL codes); an uncoded procedure is rejected.
``status`` is the R4 event status; ``entered-in-error`` withdraws the event (see
:mod:`producers.fhir.header`). ``performedDateTime`` or ``performedPeriod`` give when it was
done (a ``performedString``, age or range gives no time); ``bodySite`` and ``outcome`` are kept
as text; the reasons are the coded ``reasonCode`` concepts and the codes of the Conditions in
the same document that ``reasonReference`` points to (Synthea's way); a performing
organisation's ODS code, never a named practitioner. Dropped on purpose: notes, reports,
complications, follow-up, used devices and medicines, the recorder and asserter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producers.fhir.codes import REASON_PREFERENCE, CodeSystem, code_from, optional_code
from producers.fhir.elements import Json, child, concept_text, items, meta_of, string
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.organisations import ods_code
from producers.fhir.times import first_timestamp, timestamp_at
from schemas.events import RecordType, SourceEvent

STATUS = {
    "preparation": "PREPARATION",
    "in-progress": "IN_PROGRESS",
    "not-done": "NOT_DONE",
    "on-hold": "ON_HOLD",
    "stopped": "STOPPED",
    "completed": "COMPLETED",
    "entered-in-error": "COMPLETED",
    "unknown": "UNKNOWN",
}
_PROCEDURE_PREFERENCE = (CodeSystem.SNOMED, CodeSystem.OPCS4)


def map_procedure(ctx: Context) -> list[SourceEvent]:
    """One procedure event for a Procedure."""
    resource = ctx.resource
    status = string(resource, "status") or ""
    if status not in STATUS:
        raise MappingError("Procedure.status: missing or not an R4 status")
    patient = referenced_patient(resource, "subject", ctx.document)
    start, end = _performed(resource)
    occurred, recorded = _times(resource, start)
    actors = [actor for p in items(resource, "performer") if (actor := child(p, "actor"))]
    payload = {
        "header": header(
            ctx, RecordType.PROCEDURE, patient=patient, occurred_at=occurred, recorded_at=recorded
        ),
        "code": code_from(child(resource, "code"), "Procedure.code", prefer=_PROCEDURE_PREFERENCE),
        "status": STATUS[status],
        "performed_start": start,
        "performed_end": end,
        "body_site": next(
            (text for site in items(resource, "bodySite") if (text := concept_text(site))), None
        ),
        "outcome": concept_text(child(resource, "outcome")),
        "reasons": _reasons(resource, ctx),
        "performer_org": ods_code(actors, ctx.document, within=resource),
    }
    return [SourceEvent(RecordType.PROCEDURE, payload)]


def _performed(resource: Json) -> tuple[datetime | None, datetime | None]:
    single = timestamp_at(resource, "performedDateTime", "Procedure.performedDateTime")
    if single is not None:
        return single, None
    period = child(resource, "performedPeriod")
    return (
        timestamp_at(period, "start", "Procedure.performedPeriod.start"),
        timestamp_at(period, "end", "Procedure.performedPeriod.end"),
    )


def _reasons(resource: Json, ctx: Context) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for index, concept in enumerate(items(resource, "reasonCode")):
        code = optional_code(concept, f"Procedure.reasonCode[{index}]", prefer=REASON_PREFERENCE)
        if code is not None:
            found.append(code)
    for index, reference in enumerate(items(resource, "reasonReference")):
        target = ctx.document.resolve(reference, within=resource)
        if target is None or target.get("resourceType") != "Condition":
            continue  # an Observation or a report outside the document names no code we hold
        path = f"Procedure.reasonReference[{index}]"
        code = optional_code(child(target, "code"), path, prefer=REASON_PREFERENCE)
        if code is not None and code not in found:
            found.append(code)
    return found


def _times(resource: Json, start: datetime | None) -> tuple[datetime, datetime]:
    updated = first_timestamp((meta_of(resource), "lastUpdated", "Procedure.meta.lastUpdated"))
    occurred = start or updated
    if occurred is None:
        raise MappingError("Procedure.performed[x]: missing (and no other time of record)")
    return occurred, updated or occurred
