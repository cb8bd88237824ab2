"""VXU^V04 (unsolicited vaccination record update) -> immunisation events.

After the patient (PID, PD1, NK1, PV1, IN1 ... none of them read here but PID), each
vaccination is an order group: an optional ORC (v2.3.1 senders leave it out), one RXA, an
optional RXR and OBX observations about the dose. Each RXA is one immunisation:

- ``vaccine``: RXA-5 administered code (CE/CWE, :mod:`producers.hl7v2.coding`: SNOMED CT or
  dm+d when the coding system says so; CVX, NDC and local codes as LOCAL); required.
- ``source_record_id``: ORC-3 filler order number (the immunisation record's id at the sender,
  which the CDC implementation guide requires), else ORC-2 placer order number, else
  ``<local patient id>/RXA/<vaccine code>/<RXA-3 date>`` (one dose of a vaccine a day).
- ``status`` from RXA-20 completion status (table 0322): CP complete and PA partially
  administered -> COMPLETED, RE refused and NA not administered -> NOT_DONE; none -> COMPLETED.
- ``operation``: RXA-21 action code (table 0206) D -> DELETE; A, U, X or none -> UPSERT.
- ``occurrence_date``: RXA-3 start of administration, a calendar date as written;
  ``occurred_at`` the same instant, else MSH-7.
- ``primary_source``: RXA-9 administration notes (NIP001) 00 "new immunisation record" or none
  -> true; 01-08 (historical, from another source) -> false.
- ``lot_number``: RXA-15 (first repetition). ``route``: RXR-1, ``site``: RXR-2, their text
  else their code.
- ``dose_number``: the value of an OBX coded LOINC 30973-4 (dose number in series) in the
  group, when it is a whole number.
- ``performer_org``: RXA-11 administered-at facility (component 4) when it is an ODS code,
  else ORC-21 ordering facility (XON-10, else XON-3) when it is one; a facility name or a
  foreign id is left out (the schema holds ODS codes only).
- Dropped on purpose: RXA-6/-7 amount and units (not in the schema; ``999`` means unknown),
  RXA-10 administering provider and ORC-12 (people), RXA-17 manufacturer, RXA-18 refusal
  reason, every other OBX (funding source, eligibility, VIS documents).

An RXA group that breaks a rule is rejected on its own (the other vaccinations still map).
"""

from __future__ import annotations

from typing import Any

from producers.hl7v2.coding import code_system, coded, display_text
from producers.hl7v2.errors import MappingError
from producers.hl7v2.header import MessageContext, best_time
from producers.hl7v2.identity import PatientIdentity, patient_identity
from producers.hl7v2.message import Message, Segment
from producers.hl7v2.timestamps import parse_date
from producers.model import AdapterResult, Rejection
from schemas.events import RecordType, SourceEvent, is_ods_code

NOT_DONE = frozenset({"RE", "NA"})
FIRST_HAND = frozenset({"00"})
DOSE_NUMBER_LOINC = "30973-4"
Group = list[tuple[int, Segment]]


def map_immunisations(message: Message, ctx: MessageContext) -> AdapterResult:
    """An immunisation event per RXA of one VXU message; a group at fault is a rejection."""
    pid = message.first("PID")
    if pid is None:
        raise MappingError("PID", "segment missing")
    identity = patient_identity(pid)
    groups = vaccination_groups(message)
    if not groups:
        raise MappingError("RXA", "segment missing")
    result = AdapterResult()
    for orc, group in groups:
        rxa_index, rxa = group[0]
        try:
            result.events.append(_event(ctx, identity, orc, group))
        except MappingError as exc:
            result.rejections.append(Rejection(ctx.location(rxa_index, rxa), str(exc)))
    return result


def vaccination_groups(message: Message) -> list[tuple[Segment | None, Group]]:
    """Each RXA with the segments after it (up to the next ORC or RXA) and its ORC, the one
    just before it (None when the RXA has no ORC of its own)."""
    groups: list[tuple[Segment | None, Group]] = []
    orc: Segment | None = None
    for index, segment in enumerate(message.segments):
        if segment.name == "ORC":
            orc = segment
        elif segment.name == "RXA":
            groups.append((orc, [(index, segment)]))
            orc = None
        elif groups and orc is None:
            groups[-1][1].append((index, segment))
    return groups


def _event(
    ctx: MessageContext, identity: PatientIdentity, orc: Segment | None, group: Group
) -> SourceEvent:
    rxa_index, rxa = group[0]
    vaccine = coded(rxa.first(5))
    if vaccine is None:
        raise MappingError("RXA-5", "administered code missing")
    given = rxa.get(3)
    occurrence = parse_date(given, field="RXA-3") if given else None
    record_id = _record_id(orc, identity, vaccine["code"], given)
    header = ctx.header(
        index=rxa_index,
        identity=identity,
        source_record_id=record_id,
        occurred_at=best_time(rxa, 3, name="RXA") or ctx.message_time,
        operation="DELETE" if (rxa.get(21) or "").upper() == "D" else "UPSERT",
    )
    rxr = next((s for _, s in group if s.name == "RXR"), None)
    payload: dict[str, Any] = {
        "header": header,
        "vaccine": vaccine,
        "status": "NOT_DONE" if (rxa.get(20) or "").upper() in NOT_DONE else "COMPLETED",
        "occurrence_date": occurrence,
        "primary_source": (rxa.get(9) or "00") in FIRST_HAND,
        "lot_number": rxa.get(15),
        "site": _text(rxr, 2),
        "route": _text(rxr, 1),
        "dose_number": _dose_number(group),
        "performer_org": _performer(rxa, orc),
    }
    return SourceEvent(RecordType.IMMUNISATION, payload)


def _record_id(
    orc: Segment | None, identity: PatientIdentity, vaccine: str, given: str | None
) -> str:
    number = (orc.get(3) or orc.get(2)) if orc else None
    return number or f"{identity.local_patient_id}/RXA/{vaccine}/{(given or '-')[:8]}"


def _text(segment: Segment | None, number: int) -> str | None:
    if segment is None:
        return None
    rep = segment.first(number)
    return None if rep.is_empty else display_text(rep)


def _dose_number(group: Group) -> int | None:
    """The dose number in series from an OBX coded LOINC 30973-4, when a whole number."""
    for _, obx in group:
        code = obx.first(3)
        if obx.name == "OBX" and code.get(1) == DOSE_NUMBER_LOINC and _is_loinc(code.get(3)):
            value = (obx.get(5) or "").strip()
            return int(value) if value.isdigit() else None
    return None


def _is_loinc(system: str | None) -> bool:
    return code_system(system) == "LOINC"


def _performer(rxa: Segment, orc: Segment | None) -> str | None:
    for candidate in (rxa.get(11, 4), orc.get(21, 10) if orc else None,
                      orc.get(21, 3) if orc else None):  # fmt: skip
        if candidate and is_ods_code(candidate):
            return candidate
    return None
