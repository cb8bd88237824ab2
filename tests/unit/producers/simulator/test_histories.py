"""Clinical histories: order, versions, codes and timestamps of a small region's events."""

from __future__ import annotations

from datetime import UTC, datetime

from producers.simulator import PersonRecords
from producers.simulator.labs import PANELS
from producers.simulator.medicines import ACUTE_COURSES, CHILD_ACUTE, REPEATS
from producers.simulator.timeline import AS_OF
from schemas.events import RecordType, SourceEvent
from tests.unit.producers.simulator.conftest import RegionSample

_LOINC = {a.loinc: a.unit for analytes in PANELS.values() for a in analytes}
_DMD = {m.code: m.name for meds in REPEATS.values() for m in meds} | {
    m.code: m.name for m in (*ACUTE_COURSES, CHILD_ACUTE)
}


def _events(region: list[PersonRecords]) -> list[SourceEvent]:
    return [event for person in region for event in person.events]


def test_patient_event_comes_first_for_every_key(small_region: list[PersonRecords]) -> None:
    """For each org:local id, the first event is a patient (demographics) event."""
    seen: set[str] = set()
    for event in _events(small_region):
        if event.key not in seen:
            assert event.record_type is RecordType.PATIENT
            seen.add(event.key)


def test_versions_increase_in_publishing_order(small_region: list[PersonRecords]) -> None:
    """Each item's versions are published 1, 2, 3... and later versions are recorded later."""
    last: dict[tuple[str, str, str], tuple[int, datetime]] = {}
    for event in _events(small_region):
        header = event.payload["header"]
        item = (event.key, event.record_type.value, header["source_record_id"])
        version, recorded = header["record_version"], header["recorded_at"]
        previous = last.get(item)
        assert version == (previous[0] + 1 if previous else 1)
        assert previous is None or recorded >= previous[1]
        last[item] = (version, recorded)


def test_every_record_type_and_later_version_kind_occurs(small_region: list[PersonRecords]) -> None:
    """The region has every type, amended results, stopped medicines, updates, withdrawals."""
    events = _events(small_region)
    assert {e.record_type for e in events} == set(RecordType)
    assert any(
        e.record_type is RecordType.RESULT
        and e.payload["status"] == "AMENDED"
        and e.payload["header"]["record_version"] == 2
        for e in events
    )
    assert any(
        e.record_type is RecordType.MEDICATION and e.payload["status"] == "STOPPED" for e in events
    )
    assert any(
        e.record_type is RecordType.PATIENT and e.payload["header"]["record_version"] > 1
        for e in events
    )
    assert any(e.payload["header"]["operation"] == "ENTERED_IN_ERROR" for e in events)


def test_timestamps_are_utc_and_not_in_the_future(small_region: list[PersonRecords]) -> None:
    """Every header timestamp is timezone-aware UTC, and nothing is recorded after now."""
    for event in _events(small_region):
        header = event.payload["header"]
        for moment in (header["occurred_at"], header["recorded_at"]):
            assert moment.tzinfo is UTC
        assert header["recorded_at"] <= AS_OF
        assert header["occurred_at"] <= header["recorded_at"]


def test_results_use_catalogue_codes_and_units(small_region: list[PersonRecords]) -> None:
    """Laboratory results carry LOINC codes with their UCUM units, and panels; flags match
    ranges."""
    every = [e.payload for e in _events(small_region) if e.record_type is RecordType.RESULT]
    results = [r for r in every if r["category"] == "LABORATORY"]
    assert results
    for result in results:
        assert result["code"]["system"] == "LOINC"
        assert _LOINC[result["code"]["code"]] == result["unit"]
        assert result["panel"] is not None
        low, high, value = (
            result["reference_low"],
            result["reference_high"],
            result["value_quantity"],
        )
        if result["abnormal_flag"] == "NORMAL":
            assert (low is None or value >= low) and (high is None or value <= high)


def test_medicines_are_dmd_coded(small_region: list[PersonRecords]) -> None:
    """Medicines carry dm+d codes and names from the catalogue, repeats and acute courses."""
    medicines = [e.payload for e in _events(small_region) if e.record_type is RecordType.MEDICATION]
    assert {m["course"] for m in medicines} == {"REPEAT", "ACUTE"}
    for medicine in medicines:
        assert medicine["medication"]["system"] == "DMD"
        assert _DMD[medicine["medication"]["code"]] == medicine["medication"]["display"]


def test_withheld_items_name_existing_encounters(small_region: list[PersonRecords]) -> None:
    """An item-withheld consent lists encounter ids of the same organisation record."""
    for person in small_region:
        encounters = {
            (e.key, e.payload["header"]["source_record_id"])
            for e in person.events
            if e.record_type is RecordType.ENCOUNTER
        }
        for event in person.events:
            if event.record_type is RecordType.CONSENT:
                for withheld in event.payload["withheld_record_ids"]:
                    assert (event.key, withheld) in encounters


def test_event_ids_are_unique(small_region: list[PersonRecords]) -> None:
    """No two events in a region share an event id."""
    ids = [e.payload["header"]["event_id"] for e in _events(small_region)]
    assert len(ids) == len(set(ids))


def test_consent_rates(region_sample: RegionSample) -> None:
    """Objections, Type 1 and National Data Opt-outs occur at about their documented rates."""
    people = len(region_sample.people)
    shares = {scope: count / people for scope, count in region_sample.consent_people.items()}
    assert 0.007 <= shares["SHARED_CARE_RECORD"] <= 0.025
    assert 0.015 <= shares["TYPE_1_OPT_OUT"] <= 0.036
    assert 0.04 <= shares["NATIONAL_DATA_OPT_OUT"] <= 0.07


def test_history_covers_deaths(small_region: list[PersonRecords]) -> None:
    """A person who died has no encounter starting after death."""
    for person in small_region:
        died = person.person.deceased_at
        if died is None:
            continue
        for event in person.events:
            if event.record_type is RecordType.ENCOUNTER:
                assert event.payload["period_start"] <= died
