"""DiagnosticReport ``presentedForm`` -> document events (schema ``document``).

A report's results are Observations, mapped on their own (the report's code is each result's
``panel``), so a report without ``presentedForm`` is a counted skip (``DiagnosticReport``). A
report that presents itself as a document (Synthea's clinical notes, a radiology report's PDF)
gives one document per ``presentedForm`` attachment, linked to the report:

- ``source_record_id`` ``DiagnosticReport/<id>/presentedForm/<n>`` (n from 0, in order);
- ``type`` the report's ``code`` (LOINC, then SNOMED CT; an uncoded report is rejected);
- ``date`` and ``occurred_at``: ``effectiveDateTime``, else ``effectivePeriod.start``, else
  ``issued``, else ``meta.lastUpdated`` (one of them is required);
- ``author_org`` the first ``performer`` that is an organisation with an ODS code;
- the attachment read as a DocumentReference's (:func:`producers.fhir.documents.
  attachment_content`: base64 ``data`` attached up to 512 KiB, else an https ``url``).

``status`` is CURRENT (``entered-in-error`` withdraws the documents, see
:mod:`producers.fhir.header`); a ``cancelled`` report presents nothing and is skipped
(``DiagnosticReport(cancelled)``). Dropped on purpose: ``conclusion`` and ``conclusionCode``
(the results and the document say it), ``resultsInterpreter`` and other people, media.
"""

from __future__ import annotations

from datetime import datetime

from producers.fhir.codes import CodeSystem, code_from
from producers.fhir.documents import attachment_content
from producers.fhir.elements import Json, child, items, meta_of, string
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.organisations import ods_code
from producers.fhir.skips import Skip
from producers.fhir.times import first_timestamp
from schemas.events import RecordType, SourceEvent

_TYPE_PREFERENCE = (CodeSystem.LOINC, CodeSystem.SNOMED)
_FORM = "DiagnosticReport.presentedForm"


def map_diagnostic_report(ctx: Context) -> list[SourceEvent] | Skip:
    """A document event per ``presentedForm`` attachment; a Skip for a report without one."""
    resource = ctx.resource
    forms = items(resource, "presentedForm")
    if not forms:
        return Skip("DiagnosticReport")
    if string(resource, "status") == "cancelled":
        return Skip("DiagnosticReport(cancelled)")
    patient = referenced_patient(resource, "subject", ctx.document)
    written, recorded = _times(resource)
    kind = code_from(child(resource, "code"), "DiagnosticReport.code", prefer=_TYPE_PREFERENCE)
    author = ods_code(items(resource, "performer"), ctx.document, within=resource)
    events = []
    for number, form in enumerate(forms):
        payload = {
            "header": header(ctx, RecordType.DOCUMENT, patient=patient, occurred_at=written,
                             recorded_at=recorded, suffix=f"/presentedForm/{number}"),
            "type": kind, "status": "CURRENT", "date": written, "description": None,
            "author_org": author, **attachment_content(form, f"{_FORM}[{number}]"),
        }  # fmt: skip
        events.append(SourceEvent(RecordType.DOCUMENT, payload))
    return events


def _times(resource: Json) -> tuple[datetime, datetime]:
    updated = (meta_of(resource), "lastUpdated", "DiagnosticReport.meta.lastUpdated")
    issued = (resource, "issued", "DiagnosticReport.issued")
    written = first_timestamp(
        (resource, "effectiveDateTime", "DiagnosticReport.effectiveDateTime"),
        (child(resource, "effectivePeriod"), "start", "DiagnosticReport.effectivePeriod.start"),
        issued,
        updated,
    )
    if written is None:
        raise MappingError("DiagnosticReport.effective[x]: missing (and no other time)")
    return written, first_timestamp(updated, issued) or written
