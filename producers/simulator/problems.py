"""Problems and diagnoses each organisation records (condition events).

A GP practice keeps every long-term condition the person has on its problem list (a PROBLEM,
active, confirmed), coded early in the window as the person is already known to have it; 5% of
them are later marked resolved (a second version). A mental health trust records severe mental
illness as a DIAGNOSIS. Hospitals record none here: their diagnoses travel as encounter reasons.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from producers.simulator.conditions import PREVALENCE, Condition
from producers.simulator.context import PersonContext, item_id
from producers.simulator.envelope import Item, code
from producers.simulator.records import OrgRecord
from producers.simulator.region import OrgKind
from producers.simulator.timeline import later, random_moment, working_hours
from schemas.events import RecordType

RESOLVED_RATE = 0.05


def _body(condition: Condition, *, category: str, onset: datetime, org: str) -> dict[str, Any]:
    known = PREVALENCE[condition]
    return {
        "code": code("SNOMED", known.snomed, known.display),
        "category": category,
        "clinical_status": "ACTIVE",
        "verification_status": "CONFIRMED",
        "severity": None,
        "onset_date": onset.date(),
        "abatement_date": None,
        "asserter_org": org,
    }


def _item(record: OrgRecord, serial: int, body: dict[str, Any], onset: datetime,
          rng: random.Random) -> Item:  # fmt: skip
    recorded = later(rng, onset, low_s=60, high_s=600)
    return Item(RecordType.CONDITION, item_id(record, "C", serial), 1, onset, recorded, body)


def _gp(ctx: PersonContext, record: OrgRecord, rng: random.Random) -> list[Item]:
    start, end = ctx.window(record)
    early_end = min(start + timedelta(days=365), end)
    items: list[Item] = []
    for serial, condition in enumerate(sorted(ctx.conditions), 1):
        onset = working_hours(rng, start, early_end)
        org = record.membership.org.code
        item = _item(record, serial, _body(condition, category="PROBLEM", onset=onset, org=org),
                     onset, rng)  # fmt: skip
        items.append(item)
        if rng.random() < RESOLVED_RATE:
            resolved = random_moment(rng, item.recorded_at, end)
            recorded = later(rng, resolved, low_s=60, high_s=600)
            items.append(
                item.next_version(
                    recorded, clinical_status="RESOLVED", abatement_date=resolved.date()
                )
            )
    return items


def _mental_health(ctx: PersonContext, record: OrgRecord, rng: random.Random) -> list[Item]:
    if Condition.SEVERE_MENTAL_ILLNESS not in ctx.conditions:
        return []
    onset = record.membership.since
    body = _body(Condition.SEVERE_MENTAL_ILLNESS, category="DIAGNOSIS", onset=onset,
                 org=record.membership.org.code)  # fmt: skip
    return [_item(record, 1, body, onset, rng)]


def condition_items(ctx: PersonContext, record: OrgRecord) -> list[Item]:
    """Every problem and diagnosis version ``record``'s organisation holds."""
    if record.placeholder:
        return []
    rng = ctx.rng(record, "problems")
    kind = record.membership.org.kind
    if kind is OrgKind.GP_PRACTICE:
        return _gp(ctx, record, rng)
    if kind is OrgKind.COMMUNITY_MENTAL_HEALTH:
        return _mental_health(ctx, record, rng)
    return []
