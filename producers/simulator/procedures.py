"""Procedures a hospital records (procedure events).

About 40% of inpatient admissions at an acute trust have one recorded procedure during the
stay, done for the admission's reason: an ECG, a chest X-ray, an abdominal ultrasound or an
upper GI endoscopy. SNOMED CT codes recalled, not looked up in a TRUD release: illustrative.
"""

from __future__ import annotations

from datetime import timedelta

from producers.simulator.context import PersonContext, item_id
from producers.simulator.envelope import Item, code
from producers.simulator.records import OrgRecord
from producers.simulator.region import OrgKind
from producers.simulator.timeline import later
from schemas.events import RecordType

PROCEDURES = (
    ("29303009", "Electrocardiographic procedure", "Chest"),
    ("399208008", "Plain chest X-ray", "Chest"),
    ("45036003", "Ultrasonography of abdomen", "Abdomen"),
    ("1919006", "Upper gastrointestinal endoscopy", None),
)
RATE = 0.40


def procedure_items(ctx: PersonContext, record: OrgRecord, encounters: list[Item]) -> list[Item]:
    """Every procedure ``record``'s organisation holds (acute trusts' inpatient stays only)."""
    if record.placeholder or record.membership.org.kind is not OrgKind.ACUTE:
        return []
    rng = ctx.rng(record, "procedures")
    found: list[Item] = []
    for stay in encounters:
        discharged = stay.body["period_end"]  # None while the stay goes on: none recorded yet
        if stay.body["encounter_class"] != "INPATIENT" or discharged is None:
            continue
        if rng.random() >= RATE:
            continue
        concept, name, site = rng.choice(PROCEDURES)
        start = min(stay.occurred_at + timedelta(minutes=rng.randint(60, 24 * 60)), discharged)
        end = min(start + timedelta(minutes=rng.randint(10, 45)), discharged)
        reason = stay.body.get("reason")
        body = {
            "code": code("SNOMED", concept, name),
            "status": "COMPLETED",
            "performed_start": start,
            "performed_end": end,
            "body_site": site,
            "outcome": None,
            "reasons": [reason] if reason else [],
            "performer_org": record.membership.org.code,
        }
        serial = len(found) + 1
        found.append(Item(RecordType.PROCEDURE, item_id(record, "P", serial), 1, start,
                          later(rng, end, low_s=300, high_s=6 * 3600), body,
                          confidentiality=stay.confidentiality))  # fmt: skip
    return found
