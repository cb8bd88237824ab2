"""Medicines: a dm+d-like catalogue, the repeats each condition brings, and acute courses.

Names, strengths, forms and doses follow the NHS Dictionary of Medicines and Devices (dm+d)
virtual medicinal products; the codes are SNOMED-style VMP identifiers recalled, not looked up
in a TRUD release, so treat them as illustrative (never use them for clinical decisions).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from producers.simulator.conditions import Condition


@dataclass(frozen=True)
class Medicine:
    """One virtual medicinal product with its usual dose."""

    code: str
    name: str
    dose_text: str
    dose_quantity: float
    dose_unit: str
    frequency: str
    route: str = "Oral"
    course_days: int = 28


METFORMIN = Medicine(
    "325278007",
    "Metformin 500mg tablets",
    "One tablet twice a day with food",
    1,
    "tablet",
    "twice daily",
)
GLICLAZIDE = Medicine(
    "325238009", "Gliclazide 80mg tablets", "One tablet twice a day", 1, "tablet", "twice daily"
)
ATORVASTATIN = Medicine(
    "320000009",
    "Atorvastatin 20mg tablets",
    "One tablet at night",
    1,
    "tablet",
    "once daily at night",
)
SIMVASTATIN = Medicine(
    "320006008",
    "Simvastatin 40mg tablets",
    "One tablet at night",
    1,
    "tablet",
    "once daily at night",
)
AMLODIPINE = Medicine(
    "319283006", "Amlodipine 5mg tablets", "One tablet once a day", 1, "tablet", "once daily"
)
RAMIPRIL = Medicine(
    "318900004", "Ramipril 5mg capsules", "One capsule once a day", 1, "capsule", "once daily"
)
BENDROFLUMETHIAZIDE = Medicine(
    "317919004",
    "Bendroflumethiazide 2.5mg tablets",
    "One tablet each morning",
    1,
    "tablet",
    "once daily",
)
SALBUTAMOL = Medicine(
    "320176004",
    "Salbutamol 100micrograms/dose inhaler CFC free",
    "Two puffs when required",
    2,
    "puff",
    "as required",
    "Inhalation",
)
BECLOMETASONE = Medicine(
    "320131008",
    "Beclometasone 100micrograms/dose inhaler CFC free",
    "Two puffs twice a day",
    2,
    "puff",
    "twice daily",
    "Inhalation",
)
TIOTROPIUM = Medicine(
    "407891006",
    "Tiotropium 18microgram inhalation powder capsules",
    "Inhale the contents of one capsule once a day",
    1,
    "capsule",
    "once daily",
    "Inhalation",
)
SERTRALINE = Medicine(
    "321958008", "Sertraline 50mg tablets", "One tablet once a day", 1, "tablet", "once daily"
)
CITALOPRAM = Medicine(
    "321987003", "Citalopram 20mg tablets", "One tablet once a day", 1, "tablet", "once daily"
)
APIXABAN = Medicine(
    "703907003", "Apixaban 5mg tablets", "One tablet twice a day", 1, "tablet", "twice daily"
)
BISOPROLOL = Medicine(
    "318590006", "Bisoprolol 2.5mg tablets", "One tablet once a day", 1, "tablet", "once daily"
)
LEVOTHYROXINE = Medicine(
    "315242004",
    "Levothyroxine sodium 50microgram tablets",
    "One tablet each morning",
    1,
    "tablet",
    "once daily",
)
OLANZAPINE = Medicine(
    "321570003",
    "Olanzapine 10mg tablets",
    "One tablet at night",
    1,
    "tablet",
    "once daily at night",
)
DONEPEZIL = Medicine(
    "411171009", "Donepezil 10mg tablets", "One tablet at night", 1, "tablet", "once daily at night"
)

REPEATS: dict[Condition, tuple[Medicine, ...]] = {
    Condition.TYPE_2_DIABETES: (METFORMIN, GLICLAZIDE),
    Condition.HIGH_CHOLESTEROL: (ATORVASTATIN, SIMVASTATIN),
    Condition.HYPERTENSION: (AMLODIPINE, RAMIPRIL, BENDROFLUMETHIAZIDE),
    Condition.ASTHMA: (SALBUTAMOL, BECLOMETASONE),
    Condition.COPD: (SALBUTAMOL, TIOTROPIUM),
    Condition.DEPRESSION: (SERTRALINE, CITALOPRAM),
    Condition.ATRIAL_FIBRILLATION: (APIXABAN, BISOPROLOL),
    Condition.HYPOTHYROIDISM: (LEVOTHYROXINE,),
    Condition.SEVERE_MENTAL_ILLNESS: (OLANZAPINE,),
    Condition.DEMENTIA: (DONEPEZIL,),
}
"""Repeat medicines by condition; the first is first-line, later ones are added on."""

ACUTE_COURSES: tuple[Medicine, ...] = (
    Medicine(
        "323509004",
        "Amoxicillin 500mg capsules",
        "One capsule three times a day",
        1,
        "capsule",
        "three times daily",
        course_days=5,
    ),
    Medicine(
        "324357001",
        "Nitrofurantoin 100mg modified-release capsules",
        "One capsule twice a day",
        1,
        "capsule",
        "twice daily",
        course_days=3,
    ),
    Medicine(
        "323389000",
        "Flucloxacillin 500mg capsules",
        "One capsule four times a day",
        1,
        "capsule",
        "four times daily",
        course_days=7,
    ),
    Medicine(
        "324062005",
        "Doxycycline 100mg capsules",
        "One capsule once a day",
        1,
        "capsule",
        "once daily",
        course_days=5,
    ),
    Medicine(
        "322236009",
        "Paracetamol 500mg tablets",
        "One or two tablets up to four times a day",
        2,
        "tablet",
        "four times daily as required",
        course_days=7,
    ),
    Medicine(
        "329652003",
        "Ibuprofen 400mg tablets",
        "One tablet three times a day with food",
        1,
        "tablet",
        "three times daily",
        course_days=7,
    ),
    Medicine(
        "317335000",
        "Omeprazole 20mg gastro-resistant capsules",
        "One capsule once a day",
        1,
        "capsule",
        "once daily",
        course_days=28,
    ),
    Medicine(
        "325427000",
        "Prednisolone 5mg tablets",
        "Six tablets once a day in the morning",
        6,
        "tablet",
        "once daily",
        course_days=5,
    ),
)
CHILD_ACUTE = Medicine(
    "323510009",
    "Amoxicillin 250mg/5ml oral suspension",
    "5ml three times a day",
    5,
    "ml",
    "three times daily",
    course_days=5,
)


def repeats_for(conditions: frozenset[Condition], rng: random.Random) -> list[Medicine]:
    """The repeat medicines someone with ``conditions`` takes (first-line always, add-ons 40%)."""
    found: list[Medicine] = []
    for condition in Condition:
        options = REPEATS.get(condition, ()) if condition in conditions else ()
        for rank, medicine in enumerate(options):
            if (rank == 0 or rng.random() < 0.4) and medicine not in found:
                found.append(medicine)
    return found


def acute_course(rng: random.Random, *, child: bool) -> Medicine:
    """A short course a GP or hospital might prescribe."""
    return CHILD_ACUTE if child and rng.random() < 0.6 else rng.choice(ACUTE_COURSES)
