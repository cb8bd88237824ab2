"""Shared generated regions: a small one kept whole, a 5,000-person one kept as statistics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest

from producers.simulator import PersonRecords, iter_region
from producers.simulator.people import Person
from producers.simulator.records import OrgRecord
from producers.simulator.truth import TruthRow

SMALL_SEED = 7
SAMPLE_SEED = 2024
SAMPLE_PEOPLE = 5_000


@dataclass
class RegionSample:
    """Everything about a region except its events, plus counts over the events."""

    people: list[Person] = field(default_factory=list)
    records: list[tuple[Person, OrgRecord]] = field(default_factory=list)
    truth: list[TruthRow] = field(default_factory=list)
    consent_people: Counter[str] = field(default_factory=Counter)
    events_by_type: Counter[str] = field(default_factory=Counter)

    def add(self, person: PersonRecords) -> None:
        self.people.append(person.person)
        self.records += [(person.person, record) for record in person.records]
        self.truth += person.truth
        scopes = set()
        for event in person.events:
            self.events_by_type[event.record_type.value] += 1
            if event.record_type.value == "consent" and event.payload["decision"] == "DENY":
                scopes.add(event.payload["scope"])
        self.consent_people.update(scopes)


@pytest.fixture(scope="session")
def small_region() -> list[PersonRecords]:
    """300 people, events and all."""
    return list(iter_region(300, SMALL_SEED))


@pytest.fixture(scope="session")
def region_sample() -> RegionSample:
    """5,000 people as records, truth rows and event counts (events themselves not kept)."""
    sample = RegionSample()
    for person in iter_region(SAMPLE_PEOPLE, SAMPLE_SEED):
        sample.add(person)
    return sample
