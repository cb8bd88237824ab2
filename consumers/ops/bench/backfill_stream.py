"""A synthetic region's events as a stream, person by person, counted on the way. Pure.

A region of 1.1 million people is tens of millions of events: far too many to hold. The
simulator derives each person from ``(seed, index)`` alone (``producers.simulator.generator``),
so the backfill walks the people once to publish and again, off the clock, to account for every
event, holding one person's events at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from producers.simulator.generator import iter_region
from producers.simulator.region import REGION
from schemas.events import SourceEvent

__all__ = ["Tally", "people_events", "region_organisations", "region_stream"]


@dataclass
class Tally:
    """What a stream has yielded so far: people, events, events per record type."""

    people: int = 0
    events: int = 0
    by_type: Counter[str] = field(default_factory=Counter)


def people_events(people: int, *, seed: int, start: int = 0) -> Iterator[tuple[SourceEvent, ...]]:
    """Each of people ``start`` .. ``start + people - 1``'s events, one person at a time,
    generated only when asked for."""
    for person in iter_region(start + people, seed, start=start):
        yield person.events


def region_stream(people: int, *, seed: int, tally: Tally, start: int = 0) -> Iterator[SourceEvent]:
    """Every event of ``people`` people in publishing order, counting each in ``tally`` as it
    is yielded (so the count is exactly what the consumer took, also when it stops early)."""
    for events in people_events(people, seed=seed, start=start):
        tally.people += 1
        for event in events:
            tally.events += 1
            tally.by_type[event.record_type.value] += 1
            yield event


def region_organisations() -> list[str]:
    """Every organisation that may publish in the region (each gets a source topic up front,
    since a streamed region's publishers are not known before it has been generated)."""
    return sorted(org.code for org in REGION.organisations)
