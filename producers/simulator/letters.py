"""Clinical documents a hospital records (document events): a discharge summary for every
finished inpatient stay, kept at the hospital (a URL of the trust's document store, which the
record shows as a link and never fetches). The URLs are invented: ``documents.example.nhs.uk``.
"""

from __future__ import annotations

from producers.simulator.context import PersonContext, item_id
from producers.simulator.envelope import Item, code
from producers.simulator.records import OrgRecord
from producers.simulator.region import OrgKind
from producers.simulator.timeline import later
from schemas.events import RecordType

DISCHARGE_SUMMARY = ("18842-5", "Discharge summary")
STORE = "https://documents.example.nhs.uk"


def document_items(ctx: PersonContext, record: OrgRecord, encounters: list[Item]) -> list[Item]:
    """The discharge summaries ``record``'s organisation holds (acute trusts only)."""
    if record.placeholder or record.membership.org.kind is not OrgKind.ACUTE:
        return []
    rng = ctx.rng(record, "documents")
    org = record.membership.org.code
    found: list[Item] = []
    for stay in encounters:
        discharged = stay.body["period_end"]
        if stay.body["encounter_class"] != "INPATIENT" or discharged is None:
            continue
        written = later(rng, discharged, low_s=600, high_s=2 * 86400)
        record_id = item_id(record, "D", len(found) + 1)
        body = {
            "type": code("LOINC", *DISCHARGE_SUMMARY),
            "status": "CURRENT",
            "date": written,
            "description": f"Discharge summary: {stay.body['service']}",
            "author_org": org,
            "title": "Discharge summary",
            "content_type": "application/pdf",
            "url": f"{STORE}/{org}/{record_id}.pdf",
            "data": None,
            "size": rng.randint(40_000, 250_000),
        }
        found.append(Item(RecordType.DOCUMENT, record_id, 1, written,
                          later(rng, written, low_s=5, high_s=120), body,
                          confidentiality=stay.confidentiality))  # fmt: skip
    return found
