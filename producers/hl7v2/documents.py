"""MDM^T02, T04, T06, T08 and T10 (document notification *and content*) -> document events.

After PID (and PV1, ORC, OBR ... none read here), one TXA describes the document and OBX
segments carry it (:mod:`producers.hl7v2.document_content`: ED encapsulated or text lines
attached inline, RP kept at the source by https URL). One document event per message:

- ``source_record_id``: TXA-12 unique document number (EI, component 1); required, so a later
  T04 (status change), T06 (addendum), T08 (edit) or T10 (replacement) of the same number
  updates the item. A T10 replacement sent under a new number leaves the original as it was
  until the sender marks it obsolete (TXA-19 ``OB``).
- ``type``: TXA-2 document type. Coded with a known system (v2.6+ CWE, LOINC or SNOMED CT):
  as coded; a table 0270 code (``DS``, ``CN`` ...) -> its LOINC document code where there is
  one (:data:`TABLE_0270`), else the table code as LOCAL; missing -> the message is refused.
- ``status`` from TXA-19 availability (table 0273): ``OB`` obsolete -> SUPERSEDED, else
  CURRENT; ``CA`` cancelled withdraws the item (DELETE).
- ``date`` (when it was written): TXA-6 origination date/time, else TXA-4 activity date/time;
  ``occurred_at`` the same, else MSH-7.
- ``header.confidentiality``: TXA-18 (table 0272) ``V`` very restricted -> ``V`` (kept out of
  the shared record), ``R`` -> ``R``; ``U`` and none -> no label. A document whose type code
  is on the sensitive lists is kept back all the same (schemas/sensitivity.py).
- ``author_org``: TXA-27 creating facility (v2.7+) when it is an ODS code, else the sending
  organisation (the caller's ``org``).
- ``title``: TXA-25 document title (v2.7+). ``description``: the OBR-4 text, when given.
- Dropped on purpose: every person (TXA-5, -9, -10, -11, -22: names of clinicians and
  transcriptionists), TXA-17 completion status (no field in the schema), TXA-13 parent
  document number, TXA-16 file name (a path at the sender), CON consents (read elsewhere).
"""

from __future__ import annotations

from typing import Any

from producers.hl7v2.coding import code_system, coded
from producers.hl7v2.document_content import document_content
from producers.hl7v2.errors import MappingError
from producers.hl7v2.header import MessageContext, best_time
from producers.hl7v2.identity import patient_identity
from producers.hl7v2.message import Message, Segment
from producers.model import AdapterResult
from schemas.events import RecordType, SourceEvent, is_ods_code

TRIGGERS = ("T02", "T04", "T06", "T08", "T10")
# HL7 table 0270 (document type) -> the LOINC document code and its display.
TABLE_0270: dict[str, tuple[str | None, str]] = {
    "AR": ("18743-5", "Autopsy report"),
    "CD": (None, "Cardiodiagnostics"),
    "CN": ("11488-4", "Consult note"),
    "DI": ("18748-4", "Diagnostic imaging study"),
    "DS": ("18842-5", "Discharge summary"),
    "ED": ("34111-5", "Emergency department note"),
    "HP": ("34117-2", "History and physical note"),
    "OP": ("11504-8", "Surgical operation note"),
    "PC": (None, "Psychiatric consultation"),
    "PH": (None, "Psychiatric history"),
    "PN": ("28570-0", "Procedure note"),
    "PR": ("11506-3", "Progress note"),
    "SP": ("11526-1", "Pathology study"),
    "TS": ("18761-7", "Transfer summary note"),
}
_LABELS = {"V": "V", "R": "R"}


def map_document(message: Message, ctx: MessageContext) -> AdapterResult:
    """The document event of one MDM message; MappingError names the field at fault."""
    pid, txas = message.first("PID"), message.indexed("TXA")
    if pid is None:
        raise MappingError("PID", "segment missing")
    if not txas:
        raise MappingError("TXA", "segment missing")
    txa_index, txa = txas[0]
    identity = patient_identity(pid)
    number = txa.get(12)
    if number is None:
        raise MappingError("TXA-12", "unique document number missing")
    written = best_time(txa, 6, 4, name="TXA")
    availability = (txa.get(19) or "").upper()
    label = _LABELS.get((txa.get(18) or "").upper())
    header = ctx.header(
        index=txa_index,
        identity=identity,
        source_record_id=number,
        occurred_at=written or ctx.message_time,
        operation="DELETE" if availability == "CA" else "UPSERT",
    )
    header["confidentiality"] = [label] if label else []
    obr = message.first("OBR")
    payload: dict[str, Any] = {
        "header": header,
        "type": document_type(txa),
        "status": "SUPERSEDED" if availability == "OB" else "CURRENT",
        "date": written,
        "description": obr.first(4).get(2) if obr else None,
        "author_org": _author(txa, ctx.org),
        "title": txa.get(25),
        **document_content([s for s in message.segments if s.name == "OBX"]),
    }
    return AdapterResult(events=[SourceEvent(RecordType.DOCUMENT, payload)])


def document_type(txa: Segment) -> dict[str, Any]:
    """TXA-2 as a ``Code``: coded with a known system as sent, else table 0270 -> LOINC."""
    rep = txa.first(2)
    code = rep.get(1)
    if code is None:
        raise MappingError("TXA-2", "document type missing")
    if code_system(rep.get(3)) is None and code.upper() in TABLE_0270:
        loinc, display = TABLE_0270[code.upper()]
        if loinc is not None:
            return {"system": "LOINC", "code": loinc, "display": display}
        return {"system": "LOCAL", "code": code.upper(), "display": display}
    return coded(rep) or {"system": "LOCAL", "code": code, "display": None}


def _author(txa: Segment, org: str) -> str:
    facility = txa.get(27)
    return facility if facility and is_ods_code(facility) else org
