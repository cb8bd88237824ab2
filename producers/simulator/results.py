"""Laboratory results each organisation records: GP monitoring bloods and hospital bloods.

GP results follow the long-term condition reviews (diabetes: HbA1c twice a year, U&E and
lipids yearly; hypertension and CKD: U&E; statins: lipids and LFT; AF: FBC and U&E; serious
mental illness: the annual physical health check) plus occasional checks; they are processed
by the town's hospital laboratory (``performer_org``). Hospitals take FBC and U&E at 90% of
admissions (LFT at 40%) and 40% of emergency attendances. 2% of results are later amended:
a second version with status AMENDED and a corrected value.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from producers.simulator import labs
from producers.simulator.conditions import Condition
from producers.simulator.context import PersonContext, item_id
from producers.simulator.envelope import Item, code
from producers.simulator.labs import Measurement, Panel
from producers.simulator.records import OrgRecord
from producers.simulator.region import REGION, OrgKind
from producers.simulator.timeline import later, working_hours
from schemas.events import RecordType

AMENDED_RATE = 0.02
_BLOOD = {Panel.FBC, Panel.HBA1C}


def _yearly_panels(ctx: PersonContext, rng: random.Random, age: int) -> list[set[Panel]]:
    """The panel sets drawn in one year (each set is one blood draw)."""
    has = ctx.conditions.__contains__
    draws: list[set[Panel]] = [set()]
    if has(Condition.TYPE_2_DIABETES):
        draws[0] |= {Panel.HBA1C, Panel.UE, Panel.LIPIDS}
        draws.append({Panel.HBA1C})
    if has(Condition.HYPERTENSION) or has(Condition.CHRONIC_KIDNEY_DISEASE):
        draws[0].add(Panel.UE)
    if has(Condition.HIGH_CHOLESTEROL):
        draws[0] |= {Panel.LIPIDS, Panel.LFT}
    if has(Condition.ATRIAL_FIBRILLATION):
        draws[0] |= {Panel.FBC, Panel.UE}
    if has(Condition.SEVERE_MENTAL_ILLNESS):
        draws[0] |= set(Panel)
    if (age >= 45 and rng.random() < 0.2) or (18 <= age < 45 and rng.random() < 0.08):
        draws[0] |= {Panel.FBC, Panel.UE} if age < 45 else {Panel.FBC, Panel.UE, Panel.LFT}
    return [draw for draw in draws if draw]


def _gp_orders(
    ctx: PersonContext, record: OrgRecord, rng: random.Random
) -> list[tuple[datetime, set[Panel]]]:
    start, end = ctx.window(record)
    orders = []
    year_start = start
    while year_start < end:
        year_end = min(year_start + timedelta(days=365), end)
        for draw in _yearly_panels(ctx, rng, ctx.age_at(year_start)):
            orders.append((working_hours(rng, year_start, year_end), draw))
        year_start = year_end
    return orders


def _hospital_orders(
    encounters: list[Item], rng: random.Random
) -> list[tuple[datetime, set[Panel]]]:
    orders = []
    for encounter in encounters:
        kind = encounter.body["encounter_class"]
        if (kind == "INPATIENT" and rng.random() < 0.9) or (
            kind == "EMERGENCY" and rng.random() < 0.4
        ):
            panels = {Panel.FBC, Panel.UE}
            if kind == "INPATIENT" and rng.random() < 0.4:
                panels.add(Panel.LFT)
            taken = encounter.occurred_at + timedelta(minutes=rng.randint(20, 120))
            orders.append((min(taken, encounter.recorded_at), panels))
    return orders


def _laboratory(ctx: PersonContext, record: OrgRecord) -> str:
    org = record.membership.org
    if org.kind is OrgKind.ACUTE:
        return org.code
    lab = REGION.serving(OrgKind.ACUTE, ctx.person.area)
    return lab.code if lab else org.code


def _decimal(value: float | None) -> float | None:
    return None if value is None else float(value)


def _body(result: Measurement, panel: Panel, issued: datetime, performer: str) -> dict[str, Any]:
    analyte = result.analyte
    return {
        "code": code("LOINC", analyte.loinc, analyte.display),
        "panel": code(*labs.PANEL_CODES[panel]),
        "status": "FINAL",
        "value_quantity": result.value,
        "value_text": None,
        "unit": analyte.unit,
        "reference_low": _decimal(result.low),
        "reference_high": _decimal(result.high),
        "reference_text": None,
        "abnormal_flag": result.flag,
        "specimen": "Blood" if panel in _BLOOD else "Serum",
        "issued_at": issued,
        "performer_org": performer,
        "category": "LABORATORY",
    }


def _amended(item: Item, result: Measurement, rng: random.Random) -> Item:
    value = labs.amend(result.value, rng, result.analyte)
    recorded = later(rng, item.recorded_at, low_s=86400, high_s=3 * 86400)
    return item.next_version(
        recorded,
        status="AMENDED",
        value_quantity=value,
        abnormal_flag=labs.flag(value, result.analyte, result.low, result.high),
    )


def _panel_items(
    ctx: PersonContext, record: OrgRecord, rng: random.Random, taken: datetime, panel: Panel
) -> Iterator[tuple[Item, Measurement]]:
    """One item per analyte of ``panel`` taken at ``taken`` (serials filled in by the caller)."""
    issued = later(rng, taken, low_s=2 * 3600, high_s=30 * 3600)
    performer = _laboratory(ctx, record)
    age, sex = ctx.age_at(taken), ctx.person.sex
    for result in labs.measure(panel, rng, baseline=ctx.baseline, age=age, sex=sex):
        body = _body(result, panel, issued, performer)
        yield Item(RecordType.RESULT, "", 1, taken, issued, body), result


def result_items(ctx: PersonContext, record: OrgRecord, encounters: list[Item]) -> list[Item]:
    """Every result version ``record``'s organisation holds (amendments after originals)."""
    kind = record.membership.org.kind
    if record.placeholder or kind not in {OrgKind.GP_PRACTICE, OrgKind.ACUTE}:
        return []
    rng = ctx.rng(record, "results")
    gp = kind is OrgKind.GP_PRACTICE
    orders = _gp_orders(ctx, record, rng) if gp else _hospital_orders(encounters, rng)
    items: list[Item] = []
    serial = 0
    for taken, panels in sorted(orders, key=lambda order: order[0]):
        for panel in sorted(panels):
            for draft, result in _panel_items(ctx, record, rng, taken, panel):
                serial += 1
                item = replace(draft, source_record_id=item_id(record, "R", serial))
                items.append(item)
                if rng.random() < AMENDED_RATE:
                    items.append(_amended(item, result, rng))
    return items
