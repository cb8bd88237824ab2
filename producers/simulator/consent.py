"""Sharing preferences recorded at the GP practice.

Rates per person: 1.5% object to the shared care record (30% of them later opt back in: a
second version of the same item with decision PERMIT); 2.5% register a Type 1 opt-out; 5.4%
a National Data Opt-out (close to England's published rate); 0.5% ask for one or two
consultations to be withheld. Each preference is one item whose versions are its changes.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from producers.simulator.context import PersonContext, item_id
from producers.simulator.envelope import Item
from producers.simulator.records import OrgRecord
from producers.simulator.region import OrgKind
from producers.simulator.timeline import later, random_moment, working_hours
from schemas.events import RecordType

OBJECTION_RATE = 0.015
OPT_BACK_IN_RATE = 0.30
TYPE_1_RATE = 0.025
NATIONAL_OPT_OUT_RATE = 0.054
ITEM_WITHHELD_RATE = 0.005


def _body(scope: str, decision: str, withheld: list[str] | None = None) -> dict[str, Any]:
    return {
        "scope": scope,
        "decision": decision,
        "withheld_record_ids": withheld or [],
        "effective_to": None,
    }


def _item(
    record: OrgRecord, serial: int, at: datetime, body: dict[str, Any], rng: random.Random
) -> Item:
    recorded = later(rng, at, low_s=60, high_s=3600)
    return Item(RecordType.CONSENT, item_id(record, "C", serial), 1, at, recorded, body)


def _withheld(encounters: list[Item], rng: random.Random) -> tuple[datetime, list[str]] | None:
    if not encounters:
        return None
    chosen = rng.sample(encounters, min(len(encounters), rng.randint(1, 2)))
    at = later(rng, max(item.recorded_at for item in chosen), low_s=86400, high_s=30 * 86400)
    return at, sorted(item.source_record_id for item in chosen)


def _objection(record: OrgRecord, rng: random.Random, start: datetime, end: datetime) -> list[Item]:
    """An objection to sharing and, for some, the later change of mind."""
    body = _body("SHARED_CARE_RECORD", "DENY")
    denied = _item(record, 1, working_hours(rng, start, end), body, rng)
    if rng.random() >= OPT_BACK_IN_RATE:
        return [denied]
    back_in = later(rng, random_moment(rng, denied.recorded_at, end), low_s=60, high_s=3600)
    return [denied, denied.next_version(back_in, decision="PERMIT")]


def consent_items(ctx: PersonContext, record: OrgRecord, encounters: list[Item]) -> list[Item]:
    """The consent item versions a GP record holds (other organisations record none here)."""
    if record.placeholder or record.membership.org.kind is not OrgKind.GP_PRACTICE:
        return []
    rng = ctx.rng(record, "consent")
    start, end = ctx.window(record)
    objects, type_1, national, withholds = (rng.random() for _ in range(4))
    items = _objection(record, rng, start, end) if objects < OBJECTION_RATE else []
    for serial, opted_out, scope in (
        (2, type_1 < TYPE_1_RATE, "TYPE_1_OPT_OUT"),
        (3, national < NATIONAL_OPT_OUT_RATE, "NATIONAL_DATA_OPT_OUT"),
    ):
        if opted_out:
            at = working_hours(rng, start, end)
            items.append(_item(record, serial, at, _body(scope, "DENY"), rng))
    upserts = [item for item in encounters if item.operation == "UPSERT"]
    withheld = _withheld(upserts, rng) if withholds < ITEM_WITHHELD_RATE else None
    if withheld:
        at, ids = withheld
        items.append(_item(record, 4, at, _body("ITEM_WITHHELD", "DENY", ids), rng))
    return items
