"""Immunisations a GP practice records (immunisation events).

Each autumn of the window the practice offers the seasonal flu vaccine to people aged 65 and
over and to adults with a long-term condition; about 70% take it (a dose given at the practice
in October or November). People aged 65 and over also get one pneumococcal vaccination (80%).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from producers.simulator.context import PersonContext, item_id
from producers.simulator.envelope import Item, code
from producers.simulator.records import OrgRecord
from producers.simulator.region import OrgKind
from producers.simulator.timeline import later, working_hours
from schemas.events import RecordType

FLU = ("1181000221105", "Influenza vaccine")
PNEUMOCOCCAL = ("836398006", "Pneumococcal vaccine")
FLU_UPTAKE = 0.70
PNEUMOCOCCAL_UPTAKE = 0.80


def _body(
    vaccine: tuple[str, str], given: datetime, org: str, rng: random.Random
) -> dict[str, Any]:
    return {
        "vaccine": code("SNOMED", *vaccine),
        "status": "COMPLETED",
        "occurrence_date": given.date(),
        "primary_source": True,
        "lot_number": f"LOT{rng.randrange(10_000, 99_999)}",
        "site": "Left upper arm",
        "route": "Intramuscular",
        "dose_number": 1,
        "performer_org": org,
    }


class _Clinic:
    """Numbers one record's immunisations and builds them."""

    def __init__(self, record: OrgRecord, rng: random.Random) -> None:
        self.record, self.rng, self.items = record, rng, list[Item]()

    def give(self, vaccine: tuple[str, str], start: datetime, end: datetime) -> None:
        given = working_hours(self.rng, start, end)
        recorded = later(self.rng, given, low_s=60, high_s=600)
        body = _body(vaccine, given, self.record.membership.org.code, self.rng)
        serial = len(self.items) + 1
        self.items.append(Item(RecordType.IMMUNISATION, item_id(self.record, "V", serial), 1,
                               given, recorded, body))  # fmt: skip


def immunisation_items(ctx: PersonContext, record: OrgRecord) -> list[Item]:
    """Every immunisation ``record``'s organisation holds (GP practices only)."""
    if record.placeholder or record.membership.org.kind is not OrgKind.GP_PRACTICE:
        return []
    clinic = _Clinic(record, ctx.rng(record, "immunisations"))
    start, end = ctx.window(record)
    for year in range(start.year, end.year + 1):
        season = (datetime(year, 10, 1, tzinfo=UTC), datetime(year, 11, 30, tzinfo=UTC))
        if season[0] < start or season[1] > end:
            continue
        eligible = ctx.age_at(season[0]) >= 65 or (
            bool(ctx.conditions) and ctx.age_at(season[0]) >= 18
        )
        if eligible and clinic.rng.random() < FLU_UPTAKE:
            clinic.give(FLU, *season)
    if ctx.age >= 65 and clinic.rng.random() < PNEUMOCOCCAL_UPTAKE:
        clinic.give(PNEUMOCOCCAL, start, end)
    return clinic.items
