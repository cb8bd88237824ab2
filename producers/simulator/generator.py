"""The region generator: person by person, everything derived from (seed, person index).

Nothing is shared between people, so person ``i`` can be generated alone
(:func:`generate_person`) and a region of any size streams in constant memory
(:func:`iter_region`). The same seed and index always give identical events in identical order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from producers.simulator import labs
from producers.simulator.conditions import conditions_of
from producers.simulator.context import PersonContext
from producers.simulator.errors import SimulationRequestError
from producers.simulator.histories import person_events
from producers.simulator.membership import memberships
from producers.simulator.people import Person, make_person, person_rng
from producers.simulator.records import OrgRecord
from producers.simulator.truth import TruthRow, truth_row
from producers.simulator.variation import org_records
from schemas.events import SourceEvent


@dataclass(frozen=True)
class PersonRecords:
    """One person: the truth, each organisation's records, the events, the truth rows."""

    person: Person
    records: tuple[OrgRecord, ...]
    events: tuple[SourceEvent, ...]
    truth: tuple[TruthRow, ...]


def generate_person(seed: int, index: int) -> PersonRecords:
    """Person ``index`` of the region generated with ``seed``."""
    person = make_person(seed, index)
    conditions = conditions_of(person, person_rng(seed, index, "conditions"))
    records = org_records(
        person, memberships(person, conditions, person_rng(seed, index, "care")), seed
    )
    baseline = labs.baselines(person_rng(seed, index, "labs"), person.sex, conditions)
    context = PersonContext(seed, person, conditions, baseline)
    return PersonRecords(
        person=person,
        records=records,
        events=person_events(context, records),
        truth=tuple(truth_row(person, record) for record in records),
    )


def iter_region(people: int, seed: int, *, start: int = 0) -> Iterator[PersonRecords]:
    """People ``start`` .. ``people - 1`` of the region, one at a time.

    Raises SimulationRequestError when ``people`` or ``start`` is negative.
    """
    if people < 0:
        raise SimulationRequestError("people: must be 0 or more")
    if start < 0:
        raise SimulationRequestError("start: must be 0 or more")
    for index in range(start, people):
        yield generate_person(seed, index)


def first_events(count: int, *, seed: int, start: int = 0) -> tuple[list[SourceEvent], int]:
    """The first ``count`` events of people ``start``, ``start + 1``, ... in publishing order
    (the last person's events cut at ``count``), and the index of the person after the last one
    used: benchmarks take a fixed number of events, then carry on with new people."""
    taken: list[SourceEvent] = []
    person = start
    while len(taken) < count:
        taken.extend(generate_person(seed, person).events[: count - len(taken)])
        person += 1
    return taken, person
