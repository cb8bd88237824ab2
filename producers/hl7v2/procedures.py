"""PR1 segments of ADT messages -> procedure events (schema ``procedure``).

A sender lists the procedures of a stay as PR1 segments after PID/PV1 (A01, A03, A04, A08 and
the other patient-level ADT triggers). The item is PR1-16 (procedure identifier, v2.5) when
given, else ``<local patient id>/PR1/<procedure code>/<PR1-5 as written>``: the same
procedure sent again at the same time replaces itself (the version is MSH-7).

- PR1-3 procedure code (CE/CNE, see :mod:`producers.hl7v2.coding`; OPCS-4 and SNOMED CT are
  known systems): a PR1 without one is counted in ``skipped``.
- PR1-5 procedure date/time -> ``performed_start`` and ``occurred_at`` (else the message's
  event time); PR1-7 minutes, when given, -> ``performed_end``.
- PR1-15 associated diagnosis code -> ``reasons``.
- PR1-17 action code D (delete) withdraws the item (DELETE); A, U, X and none are UPSERT.
- Surgeons, anaesthetists and other people (PR1-8, -11, -12) are never copied; the performing
  organisation is the sender (``performer_org`` is the message's organisation).
Status is COMPLETED: ADT reports procedures done.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from producers.hl7v2.coding import coded
from producers.hl7v2.errors import MappingError
from producers.hl7v2.header import MessageContext
from producers.hl7v2.identity import PatientIdentity
from producers.hl7v2.message import Message, Segment
from producers.hl7v2.timestamps import parse_timestamp
from producers.model import AdapterResult
from schemas.events import RecordType, SourceEvent

NO_PROCEDURE_CODE = "PR1 without procedure code (PR1-3)"


def add_procedures(
    result: AdapterResult, message: Message, ctx: MessageContext, *,
    identity: PatientIdentity, occurred: datetime,
) -> None:  # fmt: skip
    """A procedure event per coded PR1 segment of ``message`` into ``result`` (uncoded ones
    counted in ``skipped``); MappingError names a malformed field."""
    for index, pr1 in message.indexed("PR1"):
        result.add(_event(index, pr1, ctx, identity, occurred), or_skip_as=NO_PROCEDURE_CODE)


def _event(index: int, pr1: Segment, ctx: MessageContext, identity: PatientIdentity,
           occurred: datetime) -> SourceEvent | None:  # fmt: skip
    code = coded(pr1.first(3))
    if code is None:
        return None
    when = pr1.get(5)
    start = parse_timestamp(when, field="PR1-5") if when else None
    record_id = pr1.get(16) or f"{identity.local_patient_id}/PR1/{code['code']}/{when or ''}"
    reason = coded(pr1.first(15))
    operation = "DELETE" if (pr1.get(17) or "").upper() == "D" else "UPSERT"
    payload = {
        "header": ctx.header(
            index=index, identity=identity, source_record_id=record_id,
            occurred_at=start or occurred, operation=operation,
        ),
        "code": code,
        "status": "COMPLETED",
        "performed_start": start,
        "performed_end": _end(start, pr1.get(7)),
        "body_site": None,
        "outcome": None,
        "reasons": [reason] if reason else [],
        "performer_org": ctx.org,
    }  # fmt: skip
    return SourceEvent(RecordType.PROCEDURE, payload)


def _end(start: datetime | None, minutes: str | None) -> datetime | None:
    if start is None or not minutes:
        return None
    if not minutes.isdigit():
        raise MappingError("PR1-7", "not a whole number of minutes")
    return start + timedelta(minutes=int(minutes))
