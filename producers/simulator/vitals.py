"""Vital signs a GP practice records (result events of category VITAL_SIGNS).

About a third of face-to-face GP appointments (AMBULATORY or HOME) record a blood pressure:
systolic and diastolic, each a result with the blood pressure panel as its ``panel``, as a
FHIR blood pressure Observation's two components map. Systolic centres on 115 mmHg plus half a
mmHg per year of age over 20 (SD 12), diastolic on 75 (SD 8); 140/90 or more is flagged HIGH.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producers.simulator.context import PersonContext, item_id
from producers.simulator.envelope import Item, code
from producers.simulator.records import OrgRecord
from producers.simulator.region import OrgKind
from producers.simulator.timeline import later
from schemas.events import RecordType

PANEL = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ("8480-6", "Systolic blood pressure", 140.0)
DIASTOLIC = ("8462-4", "Diastolic blood pressure", 90.0)
RATE = 0.35
_FACE_TO_FACE = frozenset({"AMBULATORY", "HOME"})


def _body(part: tuple[str, str, float], value: float, taken: datetime, org: str) -> dict[str, Any]:
    loinc, name, high = part
    return {
        "code": code("LOINC", loinc, name), "panel": code("LOINC", *PANEL), "status": "FINAL",
        "value_quantity": float(round(value)), "value_text": None, "unit": "mm[Hg]",
        "reference_low": None, "reference_high": None, "reference_text": None,
        "abnormal_flag": "HIGH" if value >= high else "NORMAL", "specimen": None,
        "issued_at": taken, "performer_org": org, "category": "VITAL_SIGNS",
    }  # fmt: skip


def vital_sign_items(ctx: PersonContext, record: OrgRecord, encounters: list[Item]) -> list[Item]:
    """The blood pressures ``record``'s organisation holds (GP practices, adults only)."""
    if record.placeholder or record.membership.org.kind is not OrgKind.GP_PRACTICE:
        return []
    rng = ctx.rng(record, "vital-signs")
    org = record.membership.org.code
    found: list[Item] = []
    for visit in encounters:
        if visit.body["encounter_class"] not in _FACE_TO_FACE or ctx.age_at(visit.occurred_at) < 18:
            continue
        if rng.random() >= RATE:
            continue
        taken = visit.occurred_at
        recorded = later(rng, taken, low_s=60, high_s=900)
        systolic = rng.gauss(115 + max(0, ctx.age_at(taken) - 20) / 2, 12)
        diastolic = rng.gauss(75, 8)
        reading = item_id(record, "B", len(found) // 2 + 1)
        for index, (part, value) in enumerate(((SYSTOLIC, systolic), (DIASTOLIC, diastolic))):
            body = _body(part, value, taken, org)
            found.append(Item(RecordType.RESULT, f"{reading}#component-{index}", 1, taken,
                              recorded, body))  # fmt: skip
    return found
