"""PV1 and PV2 -> the fields of an encounter event (schema ``encounter`` v1).

Mapped: PV1-2 patient class, PV1-3 assigned location (point of care, room, bed, facility),
PV1-10 hospital service, PV1-19 visit number (the encounter's source record id; PV1-50
alternate visit id when PV1-19 is empty), PV1-44/45 admit and discharge times, PV2-3 admit
reason. The status comes from the trigger event (see ``adt``).

Left out on purpose: the doctors (PV1-7, -8, -9, -17: people's names), prior and temporary
locations (PV1-6, -11, -42, -43), admission source and type, financial and accounting fields
(PV1-14, -4, -20..-41), discharge disposition (PV1-36) and VIP indicator (PV1-16).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producers.hl7v2.coding import coded
from producers.hl7v2.message import Segment
from producers.hl7v2.timestamps import parse_timestamp

# HL7 table 0004 patient class -> EncounterClass. P (preadmit), C (commercial account),
# N (not applicable) and U (unknown) say nothing about the setting, hence OTHER.
_CLASSES = {
    "I": "INPATIENT",
    "B": "INPATIENT",
    "O": "OUTPATIENT",
    "R": "OUTPATIENT",
    "E": "EMERGENCY",
}


def visit_number(pv1: Segment) -> str | None:
    """PV1-19 visit number (CX-1), else PV1-50 alternate visit id, else None."""
    return pv1.get(19) or pv1.get(50)


def encounter_fields(pv1: Segment, pv2: Segment | None, *, status: str) -> dict[str, Any]:
    """The encounter-event fields (other than the header) read from PV1 and PV2."""
    return {
        "encounter_class": _CLASSES.get((pv1.get(2) or "").upper(), "OTHER"),
        "status": status,
        "period_start": _time(pv1, 44),
        "period_end": _time(pv1, 45),
        "service": pv1.get(10),
        "location": location(pv1),
        "reason": coded(pv2.first(3)) if pv2 else None,
    }


def derived_status(pv1: Segment) -> str:
    """Status of an update (A08) that names none: FINISHED once discharged, else IN_PROGRESS
    once admitted, else UNKNOWN."""
    if pv1.get(45):
        return "FINISHED"
    return "IN_PROGRESS" if pv1.get(44) else "UNKNOWN"


def location(pv1: Segment) -> str | None:
    """PV1-3 as ``point of care, room, bed, facility`` (first subcomponent of each)."""
    place = pv1.first(3)
    parts = [place.get(number, 1) for number in (1, 2, 3, 4)]
    return ", ".join(part for part in parts if part) or None


def _time(pv1: Segment, number: int) -> datetime | None:
    raw = pv1.get(number)
    return parse_timestamp(raw, field=f"PV1-{number}") if raw else None
