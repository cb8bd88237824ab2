"""Demographics from decoded source events and JSON."""

from __future__ import annotations

from datetime import date
from typing import Any

from schemas.events import RecordType
from streams.identity.demographics import NhsStatus, from_json, from_payload
from tests.unit.streams.identity.people import ANNA

HEADER: dict[str, Any] = {
    "org": "RD8",
    "local_patient_id": "H100",
    "nhs_number": "9990000026",
    "nhs_number_status": "VERIFIED",
}


def test_patient_payload() -> None:
    """A patient event gives full demographics (first given name, joined address lines)."""
    payload = {
        "header": HEADER,
        "given_names": ["Anna", "Maria"],
        "family_name": "Kowalski",
        "birth_date": date(1984, 3, 7),
        "sex": "FEMALE",
        "postcode": "LU1 2AB",
        "address_lines": ["12 High Street", "Luton"],
    }
    d = from_payload(RecordType.PATIENT, payload)
    assert (d.source_key, d.given_name, d.address, d.nhs_status) == (
        "RD8:H100",
        "Anna",
        "12 High Street, Luton",
        NhsStatus.VERIFIED,
    )


def test_other_payloads_carry_only_the_header() -> None:
    """A result event gives org, local id and NHS number only."""
    d = from_payload(RecordType.RESULT, {"header": HEADER, "given_names": ["ignored"]})
    assert (d.verified_nhs_number, d.given_name, d.has_demographics) == ("9990000026", None, False)


def test_unknown_sex_is_missing() -> None:
    """Sex UNKNOWN is stored as None."""
    d = from_payload(RecordType.PATIENT, {"header": HEADER, "sex": "UNKNOWN"})
    assert d.sex is None


def test_json_round_trip() -> None:
    """to_json / from_json give back the same record."""
    assert from_json(ANNA.to_json()) == ANNA
