"""Patient -> patient event: which name, address, phone, GP and language are chosen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from .builders import RECEIVED, VALID_NHS, bundle, patient, run

ODS = "https://fhir.nhs.uk/Id/ods-organization-code"


def one(resource: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result = run(resource, **kwargs)
    assert result.rejections == []
    assert len(result.events) == 1
    return result.events[0].payload


def test_full_patient_event() -> None:
    """Every patient field is filled from the obvious FHIR element."""
    payload = one(patient())
    header = payload.pop("header")
    assert payload == {
        "given_names": ["Alex", "Sam"],
        "family_name": "Testperson",
        "birth_date": date(1980, 2, 29),
        "sex": "FEMALE",
        "postcode": None,
        "address_lines": [],
        "phone": None,
        "deceased_at": None,
        "registered_gp_practice": None,
        "merged_local_patient_ids": [],
        "previous_local_patient_id": None,
        "preferred_language": None,
    }
    assert header["local_patient_id"] == "pat-1"
    assert header["nhs_number"] == VALID_NHS
    assert header["nhs_number_status"] == "VERIFIED"
    assert header["source_record_id"] == "Patient/pat-1"
    assert header["record_version"] == 3
    assert header["occurred_at"] == header["recorded_at"] == datetime(2024, 5, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("gender", "sex"),
    [
        ("male", "MALE"),
        ("female", "FEMALE"),
        ("other", "OTHER"),
        ("unknown", "UNKNOWN"),
        (None, "UNKNOWN"),
    ],
)
def test_sex_table(gender: str | None, sex: str) -> None:
    """FHIR administrative gender maps one to one; missing is UNKNOWN."""
    assert one(patient(gender=gender))["sex"] == sex


def test_current_official_name_wins() -> None:
    """An ended or old name loses to a current one; official beats usual among current ones."""
    names = [
        {"use": "old", "family": "Oldname", "given": ["Alex"]},
        {"use": "usual", "family": "Usualname", "given": ["Al"]},
        {
            "use": "official",
            "family": "Endedname",
            "given": ["Alex"],
            "period": {"end": "2020-01-01"},
        },
        {"use": "official", "family": "Currentname", "given": ["Alexandra"]},
    ]
    payload = one(patient(name=names))
    assert (payload["given_names"], payload["family_name"]) == (["Alexandra"], "Currentname")


def test_home_address_without_end_wins_and_postcode_stays_a_string() -> None:
    """The current home address is chosen; leading zeros of the postcode survive."""
    addresses = [
        {"use": "work", "line": ["1 Office Park"], "postalCode": "MK9 1AA"},
        {
            "use": "home",
            "line": ["2 Old Road"],
            "postalCode": "LU1 1AA",
            "period": {"end": "2019-01-01"},
        },
        {"use": "home", "line": ["3 New Street", "Flat 4"], "postalCode": "01344"},
        {"use": "old", "line": ["9 Gone Lane"], "postalCode": "MK1 1AA"},
    ]
    payload = one(patient(address=addresses))
    assert (payload["address_lines"], payload["postcode"]) == (["3 New Street", "Flat 4"], "01344")


def test_phone_prefers_current_home_then_mobile_and_ignores_email() -> None:
    """Only phones count; a current home number beats mobile and work."""
    telecom = [
        {"system": "email", "value": "a@example.org", "use": "home"},
        {"system": "phone", "value": "07700900001", "use": "mobile"},
        {"system": "phone", "value": "01632960001", "use": "home", "period": {"end": "2020-01-01"}},
        {"system": "phone", "value": "01632960002", "use": "home"},
    ]
    assert one(patient(telecom=telecom))["phone"] == "01632960002"


def test_gp_practice_from_ods_identifier_prefers_current() -> None:
    """The registered GP practice is the ODS code of a current generalPractitioner."""
    gps = [
        {"identifier": {"system": ODS, "value": "Y11111", "period": {"end": "2020-01-01"}}},
        {"identifier": {"system": ODS, "value": "Y22222"}},
    ]
    assert one(patient(generalPractitioner=gps))["registered_gp_practice"] == "Y22222"


def test_gp_practice_resolved_in_the_bundle() -> None:
    """A generalPractitioner reference to an Organization in the Bundle gives its ODS code."""
    practice = {
        "resourceType": "Organization",
        "id": "gp",
        "identifier": [{"system": ODS, "value": "K81001"}],
    }
    person = patient(generalPractitioner=[{"reference": "Organization/gp"}])
    result = run(bundle(person, practice))
    assert result.events[0].payload["registered_gp_practice"] == "K81001"
    assert result.skipped == {"Organization": 1}


def test_language_prefers_the_preferred_communication() -> None:
    """The preferred communication's BCP-47 code is the preferred language."""
    communication = [
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "pl"}]}, "preferred": True},
    ]
    assert one(patient(communication=communication))["preferred_language"] == "pl"


def test_language_from_uk_core_nhs_communication_extension() -> None:
    """Without Patient.communication, the UK Core NHSCommunication extension is read."""
    ext = {
        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication",
        "extension": [{"url": "language", "valueCodeableConcept": {"coding": [{"code": "cy"}]}}],
    }
    assert one(patient(extension=[ext]))["preferred_language"] == "cy"


def test_death_time_partial_birth_date_and_replaced_records() -> None:
    """deceasedDateTime becomes UTC; a year-month birth date is no date; ``replaces`` links
    become merged local ids."""
    payload = one(
        patient(
            birthDate="1980-02",
            deceasedDateTime="2024-01-02T03:04:05+01:00",
            link=[
                {"type": "replaces", "other": {"reference": "Patient/old-7"}},
                {"type": "seealso", "other": {"reference": "Patient/other-8"}},
                {"type": "replaces", "other": {"reference": "RelatedPerson/r1"}},
            ],
        )
    )
    assert payload["deceased_at"] == datetime(2024, 1, 2, 2, 4, 5, tzinfo=UTC)
    assert payload["birth_date"] is None
    assert payload["merged_local_patient_ids"] == ["old-7"]


def test_time_falls_back_to_bundle_timestamp_then_received_at() -> None:
    """Without meta.lastUpdated: Bundle.timestamp, else received_at, else rejection."""
    undated = patient(meta={"versionId": "1"})
    stamped = {**bundle(undated), "timestamp": "2024-06-01T00:00:00Z"}
    assert one(stamped)["header"]["recorded_at"] == datetime(2024, 6, 1, tzinfo=UTC)
    assert one(undated, received_at=RECEIVED)["header"]["recorded_at"] == RECEIVED
    rejected = run(undated)
    assert [r.reason for r in rejected.rejections] == [
        "Patient.meta.lastUpdated: missing, and the document has no time (give received_at)"
    ]


def test_received_at_must_be_timezone_aware() -> None:
    """A naive received_at is a caller error, not a guess."""
    with pytest.raises(ValueError, match="received_at: must be timezone-aware"):
        run(patient(), received_at=datetime(2025, 1, 1))
