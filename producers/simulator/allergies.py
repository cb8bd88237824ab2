"""Allergies and intolerances a GP practice records (allergy events).

Each person draws each known allergy once (rates near England's recorded prevalence); the
practice codes it early in the window, as the person already has it. Hospitals and other
services record none here (they read the GP's through the shared record).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from producers.simulator.context import PersonContext, item_id
from producers.simulator.envelope import Item, code
from producers.simulator.records import OrgRecord
from producers.simulator.region import OrgKind
from producers.simulator.timeline import later, working_hours
from schemas.events import RecordType


@dataclass(frozen=True)
class KnownAllergy:
    """One allergy the simulator records: its SNOMED CT code, kind and usual reaction."""

    snomed: str
    display: str
    allergy_type: str
    category: str
    criticality: str
    reaction: tuple[str, str]
    rate: float


ALLERGIES: tuple[KnownAllergy, ...] = (
    KnownAllergy("91936005", "Allergy to penicillin", "ALLERGY", "MEDICATION", "HIGH",
                 ("271807003", "Eruption of skin"), 0.06),
    KnownAllergy("91935009", "Allergy to peanut", "ALLERGY", "FOOD", "HIGH",
                 ("39579001", "Anaphylaxis"), 0.01),
    KnownAllergy("294470002", "Codeine intolerance", "INTOLERANCE", "MEDICATION", "LOW",
                 ("422587007", "Nausea"), 0.02),
    KnownAllergy("300910009", "Allergy to pollen", "ALLERGY", "ENVIRONMENT", "LOW",
                 ("21719001", "Allergic rhinitis"), 0.03),
)  # fmt: skip


def _body(known: KnownAllergy) -> dict[str, Any]:
    return {
        "code": code("SNOMED", known.snomed, known.display),
        "clinical_status": "ACTIVE",
        "verification_status": "CONFIRMED",
        "allergy_type": known.allergy_type,
        "categories": [known.category],
        "criticality": known.criticality,
        "onset_date": None,  # practices rarely know when an allergy began
        "reactions": [code("SNOMED", *known.reaction)],
        "reaction_severity": "SEVERE" if known.criticality == "HIGH" else "MILD",
    }


def allergy_items(ctx: PersonContext, record: OrgRecord) -> list[Item]:
    """Every allergy ``record``'s organisation holds (GP practices only)."""
    if record.placeholder or record.membership.org.kind is not OrgKind.GP_PRACTICE:
        return []
    rng: random.Random = ctx.rng(record, "allergies")
    start, end = ctx.window(record)
    early_end = min(start + timedelta(days=365), end)
    items: list[Item] = []
    for known in ALLERGIES:
        if rng.random() >= known.rate:
            continue
        coded = working_hours(rng, start, early_end)
        recorded = later(rng, coded, low_s=60, high_s=600)
        serial = len(items) + 1
        body = _body(known)
        items.append(
            Item(RecordType.ALLERGY, item_id(record, "A", serial), 1, coded, recorded, body)
        )
    return items
