"""The entry point: a FHIR R4 resource or Bundle -> source events, rejections and skips.

Each entry is mapped on its own: a resource that cannot be mapped becomes a Rejection (with
its location and a field-level reason) and the rest of the Bundle still maps. Resource types
we do not map (Claim, CarePlan, ...) are counted in ``skipped``, as is a DiagnosticReport
without a ``presentedForm`` (its results are the Observations).

Bundle entries without a resource: ``DELETE Patient/<id>`` becomes a patient DELETE event;
a DELETE of any other type is rejected (without the resource we cannot tell whose record it
is), as is a conditional DELETE; GET and other requests without a resource are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from producers.fhir.allergies import map_allergy
from producers.fhir.conditions import map_condition
from producers.fhir.consents import map_consent
from producers.fhir.document import Document, Entry, reference_parts
from producers.fhir.documents import map_document
from producers.fhir.encounters import map_encounter
from producers.fhir.errors import FhirDocumentError, MappingError
from producers.fhir.header import Context
from producers.fhir.immunisations import map_immunisation
from producers.fhir.medications import map_medication
from producers.fhir.patient import map_patient, map_patient_deletion
from producers.fhir.procedures import map_procedure
from producers.fhir.reports import map_diagnostic_report
from producers.fhir.results import map_observation
from producers.fhir.skips import Skip
from producers.model import AdapterResult, Rejection
from schemas.events import SourceEvent

Mapper = Callable[[Context], "list[SourceEvent] | Skip"]

MAPPERS: dict[str, Mapper] = {
    "Patient": map_patient,
    "Observation": map_observation,
    "MedicationRequest": map_medication,
    "MedicationStatement": map_medication,
    "Encounter": map_encounter,
    "Consent": map_consent,
    "Condition": map_condition,
    "AllergyIntolerance": map_allergy,
    "Immunization": map_immunisation,
    "Procedure": map_procedure,
    "DocumentReference": map_document,
    "DiagnosticReport": map_diagnostic_report,
}


def events_from_fhir(
    document: dict[str, Any],
    *,
    org: str,
    source_system: str,
    received_at: datetime | None = None,
) -> AdapterResult:
    """Map a parsed FHIR JSON resource or Bundle to source events.

    ``org`` is the publishing organisation's ODS code and ``source_system`` its system name.
    ``received_at`` (timezone-aware) is when the document reached us; it is used only for a
    Patient without ``meta.lastUpdated`` in a document that carries no time of its own.

    Raises FhirDocumentError when ``document`` is not a FHIR resource, ValueError when ``org``
    or ``source_system`` is empty or ``received_at`` is naive. Everything wrong inside the
    document is reported in the result's ``rejections`` instead.
    """
    _check_arguments(document, org, source_system, received_at)
    doc = Document.of(document, received_at)
    result = AdapterResult()
    for entry in doc.entries:
        ctx = Context(org=org, source_system=source_system, document=doc, entry=entry)
        _map_entry(ctx, result)
    return result


def _map_entry(ctx: Context, result: AdapterResult) -> None:
    try:
        outcome = _outcome(ctx)
    except MappingError as exc:
        result.rejections.append(Rejection(location=ctx.entry.location, reason=str(exc)))
        return
    if isinstance(outcome, Skip):
        result.skip(outcome.kind)
    else:
        result.events.extend(outcome)


def _outcome(ctx: Context) -> list[SourceEvent] | Skip:
    entry = ctx.entry
    if entry.resource is None:
        return _without_resource(ctx)
    if entry.resource_type is None:
        raise MappingError("Bundle.entry.resource: no resourceType")
    mapper = MAPPERS.get(ctx.resource_type)
    if mapper is None:
        return Skip(ctx.resource_type)
    return mapper(ctx)


def _without_resource(ctx: Context) -> list[SourceEvent] | Skip:
    entry = ctx.entry
    if entry.method != "DELETE":
        return Skip(f"request {entry.method or 'without resource'}")
    parts = reference_parts(entry.request_url or "")
    if parts is None:
        raise MappingError("Bundle.entry.request.url: conditional DELETE is not supported")
    kind, local_id = parts
    if kind != "Patient":
        raise MappingError(f"Bundle.entry.request: DELETE of a {kind} without the resource")
    deletion = Entry(
        resource={"resourceType": "Patient", "id": local_id}, index=entry.index, method="DELETE"
    )
    return map_patient_deletion(
        Context(ctx.org, ctx.source_system, ctx.document, deletion), local_id
    )


def _check_arguments(
    document: Any, org: str, source_system: str, received_at: datetime | None
) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise FhirDocumentError("document: not a FHIR resource (no resourceType)")
    if not org.strip() or not source_system.strip():
        raise ValueError("org and source_system: must not be empty")
    if received_at is not None and received_at.utcoffset() is None:
        raise ValueError("received_at: must be timezone-aware")
