"""DG1 segments of ADT messages -> condition events (category DIAGNOSIS, schema ``condition``).

A hospital lists the diagnoses of a visit as DG1 segments (A01 admit, A03 discharge, A08
update and the other visit triggers of :mod:`producers.hl7v2.adt`). Each coded DG1 is one
encounter diagnosis:

- ``code``: DG1-3 diagnosis code (CE/CWE, :mod:`producers.hl7v2.coding`: SNOMED CT or ICD-10
  when the coding system says so, else LOCAL). DG1-2 (coding method, withdrawn in v2.5) is not
  read. A DG1 without DG1-3 (v2.3 senders may send only the DG1-4 free text) is counted in
  ``skipped``; the free text is dropped on purpose (it may hold anything).
- ``source_record_id``: DG1-20 diagnosis identifier (v2.5+) when sent, the sender's stable
  id; else ``<local patient id>/DG1/<visit number>/<code>`` (``-`` without a visit number),
  so a later message about the same visit and code replaces it (DG1-1 is only a position).
- ``operation``: DG1-21 action code D (delete) -> DELETE; A, U or none -> UPSERT.
- ``verification_status`` from DG1-6 diagnosis type (table 0052): F final -> CONFIRMED,
  A admitting and W working -> PROVISIONAL, else UNKNOWN.
- ``clinical_status`` UNKNOWN: a DG1 says what the visit was for, not whether the condition
  is still current.
- ``onset_date``: DG1-5 diagnosis date/time, as a calendar date as written.
- Dropped on purpose: DG1-16 diagnosing clinician (a person), DG1-4 text, DRG fields
  (DG1-7..-14), DG1-15 priority. ``asserter_org`` is left empty: DG1 names no organisation.
"""

from __future__ import annotations

from datetime import datetime

from producers.hl7v2.coding import coded
from producers.hl7v2.header import MessageContext
from producers.hl7v2.identity import PatientIdentity
from producers.hl7v2.message import Message, Segment
from producers.hl7v2.timestamps import parse_date
from producers.hl7v2.visits import visit_number
from producers.model import AdapterResult
from schemas.events import RecordType, SourceEvent

NO_DIAGNOSIS_CODE = "DG1 without diagnosis code (DG1-3)"
VERIFICATION = {"F": "CONFIRMED", "A": "PROVISIONAL", "W": "PROVISIONAL"}


def add_diagnoses(
    result: AdapterResult, message: Message, ctx: MessageContext, *,
    identity: PatientIdentity, occurred: datetime,
) -> None:  # fmt: skip
    """A condition event per coded DG1 segment of ``message`` into ``result`` (uncoded ones
    counted in ``skipped``); MappingError names a malformed field."""
    pv1 = message.first("PV1")
    visit = (visit_number(pv1) if pv1 else None) or "-"
    for index, dg1 in message.indexed("DG1"):
        event = _event(index, dg1, ctx, identity, occurred=occurred, visit=visit)
        result.add(event, or_skip_as=NO_DIAGNOSIS_CODE)


def _event(index: int, dg1: Segment, ctx: MessageContext, identity: PatientIdentity, *,
           occurred: datetime, visit: str) -> SourceEvent | None:  # fmt: skip
    code = coded(dg1.first(3))
    if code is None:
        return None
    record_id = dg1.get(20) or f"{identity.local_patient_id}/DG1/{visit}/{code['code']}"
    diagnosed = dg1.get(5)
    header = ctx.header(
        index=index,
        identity=identity,
        source_record_id=record_id,
        occurred_at=occurred,
        operation="DELETE" if (dg1.get(21) or "").upper() == "D" else "UPSERT",
    )
    payload = {
        "header": header,
        "code": code,
        "category": "DIAGNOSIS",
        "clinical_status": "UNKNOWN",
        "verification_status": VERIFICATION.get((dg1.get(6) or "").upper(), "UNKNOWN"),
        "severity": None,
        "onset_date": parse_date(diagnosed, field="DG1-5") if diagnosed else None,
        "abatement_date": None,
        "asserter_org": None,
    }
    return SourceEvent(RecordType.CONDITION, payload)
