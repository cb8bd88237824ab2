"""RDE -> medication REQUEST events; RDS -> DISPENSE events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from producers.hl7v2 import events_from_hl7v2
from producers.model import AdapterResult, Rejection

from .builders import BAD_CHECK_DIGIT, ORG, SOURCE_SYSTEM, message, msh, pid, read_fixture, segment

AMOXICILLIN = "39732311000001104^Amoxicillin 500mg capsules^DMD"


def _orc(**fields: str) -> str:
    values = {1: "NW", 2: "ORD1^EPMA", 9: "20240612100000", 21: "L&D PHARMACY^^^^^^^^^RC971"}
    values.update({int(key[1:]): value for key, value in fields.items()})
    return segment("ORC", values)


def _rxe(**fields: str) -> str:
    values = {1: "^BD^^20240612^20240619", 2: AMOXICILLIN, 3: "500", 5: "mg^milligram^UCUM"}
    values[7] = "^Take one capsule twice a day"
    values.update({int(key[1:]): value for key, value in fields.items()})
    return segment("RXE", values)


RXR = segment("RXR", {1: "PO^Oral^HL70162"})


def _map(message_type: str, *segments: str, patient: str | None = None) -> AdapterResult:
    text = message(msh(message_type, "RX0001"), patient or pid(), *segments)
    return events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)


def _only(result: AdapterResult) -> dict[str, Any]:
    assert result.rejections == []
    (event,) = result.events
    return event.payload


@pytest.mark.parametrize(
    ("sample", "kinds"),
    [
        ("RDE-O11-01.hl7", ["REQUEST"]),
        ("RDE-O11-02.hl7", ["REQUEST", "REQUEST"]),
        ("RDE-O25-01.hl7", ["REQUEST"]),
        ("RDE-O25-02.hl7", ["REQUEST", "REQUEST"]),
        ("RDS-O13-01.hl7", ["DISPENSE"]),
        ("RDS-O13-02.hl7", ["DISPENSE", "DISPENSE"]),
    ],
)
def test_pharmacy_samples_map_to_expected_events(sample: str, kinds: list[str]) -> None:
    """Each RDE order group gives a REQUEST and each RDS RXD a DISPENSE."""
    text = read_fixture(f"microsoft-fhir-converter/{sample}")
    result = events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)
    assert [e.payload["kind"] for e in result.events] == kinds
    assert {e.record_type.value for e in result.events} == {"medication"}
    assert (result.rejections, result.skipped) == ([], {})


def test_uk_request_fields_with_legacy_timing() -> None:
    """A dm+d coded RDE^O11 with RXE-1 timing (v2.4 style): every field written out."""
    payload = _only(_map("RDE^O11^RDE_O11", _orc(), _rxe(), RXR))
    header = payload.pop("header")
    assert header["source_record_id"] == "ORD1"
    assert header["occurred_at"] == datetime(2024, 6, 12, 9, 0, tzinfo=UTC)
    assert payload == {
        "medication": {
            "system": "DMD",
            "code": "39732311000001104",
            "display": "Amoxicillin 500mg capsules",
        },
        "kind": "REQUEST",
        "status": "ACTIVE",
        "course": "UNKNOWN",
        "dose_text": "Take one capsule twice a day",
        "dose_quantity": 500.0,
        "dose_unit": "mg",
        "route": "Oral",
        "frequency": "BD",
        "start_date": date(2024, 6, 12),
        "end_date": date(2024, 6, 19),
        "prescriber": "RC971",
    }


def test_tq1_timing_wins_over_rxe1() -> None:
    """The TQ1 after RXE gives frequency (text of the repeat pattern) and UK-local dates."""
    tq1 = segment("TQ1", {1: "1", 3: "TDS&Three times a day", 7: "20240612233000", 8: "20240619"})
    payload = _only(_map("RDE^O25", _orc(), _rxe(), tq1, RXR))
    assert payload["frequency"] == "Three times a day"
    assert (payload["start_date"], payload["end_date"]) == (date(2024, 6, 12), date(2024, 6, 19))


def test_dose_range_and_local_code() -> None:
    """Without instructions, RXE-4 gives a ``min-max unit`` text; an NDC code is LOCAL."""
    rxe = _rxe(
        f2="00047040230^Ampicillin 250 mg caps^NDC",
        f3="1",
        f4="2",
        f5="385055001^Tablet^SCT",
        f7="",
    )
    payload = _only(_map("RDE^O11", _orc(), rxe))
    assert payload["medication"]["system"] == "LOCAL"
    assert (payload["dose_text"], payload["dose_quantity"], payload["dose_unit"]) == (
        "1-2 Tablet",
        1.0,
        "Tablet",
    )
    assert payload["route"] is None


@pytest.mark.parametrize(
    ("control", "order_status", "status"),
    [
        ("NW", "", "ACTIVE"),
        ("XO", "", "ACTIVE"),
        ("CA", "", "CANCELLED"),
        ("OC", "", "CANCELLED"),
        ("DC", "", "STOPPED"),
        ("HD", "", "ON_HOLD"),
        ("ZZ", "", "UNKNOWN"),
        ("NW", "CM", "COMPLETED"),
        ("NW", "DC", "STOPPED"),
        ("NW", "HD", "ON_HOLD"),
        ("SC", "IP", "ACTIVE"),
        ("NW", "ER", "UNKNOWN"),
    ],
)
def test_request_status_from_orc(control: str, order_status: str, status: str) -> None:
    """ORC-5 order status when sent, else ORC-1 order control."""
    payload = _only(_map("RDE^O11", _orc(f1=control, f5=order_status), _rxe()))
    assert payload["status"] == status


def test_uk_dispense_fields() -> None:
    """RDS^O13: code and time from RXD, dose from the group's RXE, route from the RXD's RXR."""
    rxd = segment("RXD", {1: "1", 2: AMOXICILLIN, 3: "20240612143000", 4: "14"})
    rxr_after_rxd = segment("RXR", {1: "PO"})
    payload = _only(_map("RDS^O13", _orc(), _rxe(), RXR, rxd, rxr_after_rxd))
    header = payload.pop("header")
    assert header["source_record_id"] == "ORD1/dispense/1"
    assert header["occurred_at"] == datetime(2024, 6, 12, 13, 30, tzinfo=UTC)
    assert (payload["kind"], payload["status"]) == ("DISPENSE", "COMPLETED")
    assert (payload["dose_quantity"], payload["route"], payload["frequency"]) == (500.0, "PO", "BD")
    assert (payload["start_date"], payload["end_date"]) == (date(2024, 6, 12), None)


@pytest.mark.parametrize(
    ("group", "reason"),
    [
        ([_orc()], "RXE: segment missing"),
        ([_orc(), _rxe(f2="")], "RXE-2: give code missing"),
        ([_orc(), _rxe(f3="five")], "RXE-3: give amount is not a number"),
        ([_orc(f2="", f3=""), _rxe()], "ORC-2: placer and filler order numbers missing"),
        ([_orc(), _rxe(f1="^BD^^12/06/2024")], "RXE-1.4: not a valid HL7 date/time"),
    ],
)
def test_a_bad_order_group_is_rejected_alone(group: list[str], reason: str) -> None:
    """The faulty order group is rejected at its ORC; the next group still maps."""
    result = _map("RDE^O11", *group, _orc(f2="ORD2"), _rxe())
    assert result.rejections == [Rejection("message 1 ORC (segment 3)", reason)]
    assert [e.payload["header"]["source_record_id"] for e in result.events] == ["ORD2"]


def test_invalid_nhs_number_rejects_the_whole_pharmacy_message() -> None:
    """Clinical safety: a medicine must never be filed under a wrong NHS number."""
    patient = pid(f"RC9123456^^^RC971^MR~{BAD_CHECK_DIGIT}^^^NHS^NH")
    result = _map("RDE^O11", _orc(), _rxe(), patient=patient)
    assert result.events == []
    assert result.rejections == [
        Rejection("message 1", "PID-3: NHS number fails the Modulus 11 check")
    ]


@pytest.mark.parametrize(
    ("message_type", "segments", "rejection"),
    [
        ("RDE^O11", [_rxe()], Rejection("message 1", "ORC: segment missing")),
        (
            "RDS^O13",
            [_orc(), _rxe()],
            Rejection("message 1 ORC (segment 3)", "RXD: segment missing"),
        ),
    ],
)
def test_missing_order_or_dispense_is_rejected_not_silently_empty(
    message_type: str, segments: list[str], rejection: Rejection
) -> None:
    """An RDE without ORC, or an RDS order without RXD, is rejected rather than giving nothing."""
    result = _map(message_type, *segments)
    assert (result.events, result.rejections) == ([], [rejection])
