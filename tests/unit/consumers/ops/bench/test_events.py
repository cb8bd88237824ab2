"""The benchmark's events: simulator slices, the projection's document ids, samples."""

from __future__ import annotations

import pytest

from consumers.ops.bench.events import (
    document_id,
    expected_versions,
    region_events,
    sample_indices,
)
from schemas.events import RecordType, SourceEvent


def _event(record_type: RecordType, record_id: str, version: int = 1) -> SourceEvent:
    header = {"org": "RC9", "source_record_id": record_id, "record_version": version}
    return SourceEvent(record_type, {"header": header})


def test_region_events_take_exactly_count_events_and_say_where_to_continue() -> None:
    """A slice has exactly ``count`` events; the next slice starts with new people."""
    first = region_events(120, seed=7)
    second = region_events(50, seed=7, first_person=first.next_person)

    assert len(first.events) == 120 and len(second.events) == 50
    assert first.first_person == 0 and second.first_person == first.next_person
    first_keys = {e.key for e in first.events}
    assert not first_keys & {e.key for e in second.events}


def test_region_events_are_deterministic_for_a_seed() -> None:
    """The same seed gives the same events (so runs are comparable)."""
    assert region_events(40, seed=3).events == region_events(40, seed=3).events


@pytest.mark.parametrize(
    ("record_type", "expected"),
    [
        (RecordType.RESULT, "result|RC9|L%2F1"),
        (RecordType.MEDICATION, "medication|RC9|L%2F1"),
        (RecordType.ENCOUNTER, "encounter|RC9|L%2F1"),
        (RecordType.PATIENT, "patient|RC9|L%2F1"),
        (RecordType.CONSENT, None),
    ],
)
def test_document_id_is_the_projections_own_id(
    record_type: RecordType, expected: str | None
) -> None:
    """Items and patients get the projection's id (parts percent-encoded); consent none."""
    assert document_id(_event(record_type, "L/1")) == expected


def test_expected_versions_keep_the_highest_version_per_document() -> None:
    """Several versions of one item expect the newest; unprojected events are skipped."""
    events = [
        _event(RecordType.RESULT, "A", 2),
        _event(RecordType.RESULT, "A", 1),
        _event(RecordType.RESULT, "B", 1),
        _event(RecordType.CONSENT, "C", 5),
    ]

    assert expected_versions(events) == {"result|RC9|A": 2, "result|RC9|B": 1}


def test_sample_indices_pick_every_nth_clinical_item() -> None:
    """Only results, medications and encounters are sampled, every n-th of them."""
    types = [RecordType.PATIENT, RecordType.RESULT, RecordType.RESULT, RecordType.CONSENT,
             RecordType.MEDICATION, RecordType.ENCOUNTER, RecordType.RESULT]  # fmt: skip
    events = [_event(t, str(i)) for i, t in enumerate(types)]

    assert list(sample_indices(events, every=2)) == [1, 4, 6]
    assert list(sample_indices(events, every=1)) == [1, 2, 4, 5, 6]


def test_sample_indices_refuse_a_step_below_one() -> None:
    """Sampling every 0th item is refused."""
    with pytest.raises(ValueError, match="every: expected 1 or more"):
        list(sample_indices([], every=0))
