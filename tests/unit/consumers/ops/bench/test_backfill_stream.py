"""The backfill's region streams person by person and counts exactly what it yielded."""

from __future__ import annotations

from itertools import islice
from unittest.mock import patch

from consumers.ops.bench.backfill_stream import (
    Tally,
    people_events,
    region_organisations,
    region_stream,
)
from producers.simulator.generator import generate_person


def test_the_stream_is_every_persons_events_in_order_and_counted() -> None:
    """Three people: the stream is their events in order; the tally counts people, events and
    types."""
    tally = Tally()
    streamed = list(region_stream(3, seed=11, tally=tally))
    expected = [e for i in range(3) for e in generate_person(11, i).events]
    assert streamed == expected
    assert (tally.people, tally.events) == (3, len(expected))
    assert sum(tally.by_type.values()) == len(expected)
    assert tally.by_type["patient"] == sum(1 for e in expected if e.record_type.value == "patient")


def test_people_are_generated_only_when_the_stream_reaches_them() -> None:
    """Taking the first events of a million-person region generates one person, not the region
    (the stream never holds more than one person's events)."""
    generated: list[int] = []

    def counting(seed: int, index: int):  # type: ignore[no-untyped-def]
        generated.append(index)
        return generate_person(seed, index)

    with patch("producers.simulator.generator.generate_person", counting):
        tally = Tally()
        first = list(islice(region_stream(1_000_000, seed=11, tally=tally), 3))
    assert len(first) == 3
    assert generated == [0]
    assert (tally.people, tally.events) == (1, 3)


def test_a_later_start_continues_with_the_next_people() -> None:
    """``start`` picks up at that person (the second pass and the first agree)."""
    later = next(people_events(1, seed=11, start=4))
    assert later == generate_person(11, 4).events


def test_every_region_publisher_gets_a_topic() -> None:
    """The organisations are the region's, sorted, known without generating anyone."""
    orgs = region_organisations()
    assert orgs == sorted(orgs) and len(orgs) == len(set(orgs))
    assert {str(e.payload["header"]["org"]) for e in next(people_events(1, seed=11))} <= set(orgs)
