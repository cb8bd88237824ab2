"""Long-term conditions: which a person has (prevalence by age) and their SNOMED CT codes.

Prevalences approximate England's QOF registers by age; they drive which medicines a person
takes, which blood tests they have and how often they are seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from producers.simulator.people import Person
from producers.simulator.timeline import AS_OF, age_on


class Condition(StrEnum):
    """The long-term conditions the simulator models."""

    HYPERTENSION = "hypertension"
    TYPE_2_DIABETES = "type_2_diabetes"
    HIGH_CHOLESTEROL = "high_cholesterol"
    ASTHMA = "asthma"
    COPD = "copd"
    CHRONIC_KIDNEY_DISEASE = "ckd"
    DEPRESSION = "depression"
    ATRIAL_FIBRILLATION = "atrial_fibrillation"
    HYPOTHYROIDISM = "hypothyroidism"
    SEVERE_MENTAL_ILLNESS = "severe_mental_illness"
    DEMENTIA = "dementia"


@dataclass(frozen=True)
class _Prevalence:
    snomed: str
    display: str
    by_age: tuple[tuple[int, float], ...]
    """(from age, probability) steps in increasing age; below the first step: none."""
    female_only: bool = False

    def at(self, age: int) -> float:
        rate = 0.0
        for from_age, probability in self.by_age:
            if age >= from_age:
                rate = probability
        return rate


PREVALENCE: dict[Condition, _Prevalence] = {
    Condition.HYPERTENSION: _Prevalence(
        "38341003", "Hypertensive disorder", ((18, 0.03), (40, 0.15), (60, 0.38), (80, 0.55))
    ),
    Condition.TYPE_2_DIABETES: _Prevalence(
        "44054006", "Type 2 diabetes mellitus", ((18, 0.01), (40, 0.06), (60, 0.14), (80, 0.16))
    ),
    Condition.HIGH_CHOLESTEROL: _Prevalence(
        "13644009", "Hypercholesterolaemia", ((40, 0.10), (60, 0.30), (80, 0.35))
    ),
    Condition.ASTHMA: _Prevalence("195967001", "Asthma", ((5, 0.08),)),
    Condition.COPD: _Prevalence(
        "13645005", "Chronic obstructive pulmonary disease", ((40, 0.02), (60, 0.06))
    ),
    Condition.CHRONIC_KIDNEY_DISEASE: _Prevalence(
        "709044004", "Chronic kidney disease", ((60, 0.08), (80, 0.25))
    ),
    Condition.DEPRESSION: _Prevalence("35489007", "Depressive disorder", ((16, 0.10),)),
    Condition.ATRIAL_FIBRILLATION: _Prevalence(
        "49436004", "Atrial fibrillation", ((60, 0.04), (80, 0.10))
    ),
    Condition.HYPOTHYROIDISM: _Prevalence(
        "40930008", "Hypothyroidism", ((40, 0.05),), female_only=True
    ),
    Condition.SEVERE_MENTAL_ILLNESS: _Prevalence("58214004", "Schizophrenia", ((18, 0.01),)),
    Condition.DEMENTIA: _Prevalence("52448006", "Dementia", ((65, 0.03), (80, 0.12))),
}


def conditions_of(person: Person, rng: random.Random) -> frozenset[Condition]:
    """The long-term conditions ``person`` has by now (one draw per condition, in order)."""
    age = age_on(person.birth_date, AS_OF.date())
    found = set()
    for condition, prevalence in PREVALENCE.items():
        draw = rng.random()
        if prevalence.female_only and person.sex != "FEMALE":
            continue
        if draw < prevalence.at(age):
            found.add(condition)
    return frozenset(found)
