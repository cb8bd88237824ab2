"""Every generated payload is valid against the newest Avro schema of its record type."""

from __future__ import annotations

import pytest

from producers.simulator import PersonRecords
from schemas.events import RecordType
from tests.unit.producers.simulator.avro_support import decode, encode, newest_schema_path


@pytest.mark.parametrize(
    ("record_type", "version"),
    [
        (RecordType.PATIENT, "v2"),
        (RecordType.RESULT, "v2"),
        (RecordType.MEDICATION, "v1"),
        (RecordType.ENCOUNTER, "v1"),
        (RecordType.CONSENT, "v1"),
    ],
)
def test_newest_schema_is_found(record_type: RecordType, version: str) -> None:
    """The helper picks the highest version (patient and result are v2)."""
    assert newest_schema_path(record_type).stem == version


def test_every_event_encodes_and_round_trips(small_region: list[PersonRecords]) -> None:
    """Each event of a 300-person region encodes strictly and decodes back to its payload."""
    count = 0
    for person in small_region:
        for event in person.events:
            assert decode(event.record_type, encode(event)) == event.payload
            count += 1
    assert count > 5_000
