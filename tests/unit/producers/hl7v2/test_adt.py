"""ADT messages -> patient and encounter events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from producers.hl7v2 import events_from_hl7v2
from producers.model import AdapterResult, Rejection

from .builders import (
    BAD_CHECK_DIGIT,
    NHS_NUMBER,
    ORG,
    SOURCE_SYSTEM,
    counts,
    message,
    msh,
    pid,
    read_fixture,
    segment,
    uk_admission,
)

NO_VISIT = "PV1 without visit number (PV1-19)"


def _map(text: str) -> AdapterResult:
    return events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)


@pytest.mark.parametrize(
    ("sample", "events", "skipped"),
    [
        (
            "ADT-A01-01.hl7",
            {"patient": 1, "encounter": 1, "allergy": 1, "condition": 1, "procedure": 1},
            {},
        ),
        ("ADT-A01-02.hl7", {"patient": 1, "encounter": 1}, {}),
        ("ADT-A02-01.hl7", {"encounter": 1}, {}),
        ("ADT-A03-02.hl7", {"encounter": 1}, {}),
        (
            "ADT-A04-01.hl7",
            {"patient": 1, "encounter": 1, "allergy": 1, "condition": 1, "procedure": 1},
            {},
        ),
        ("ADT-A05-02.hl7", {"patient": 1, "encounter": 1}, {}),
        ("ADT-A06-01.hl7", {"encounter": 1, "condition": 1, "procedure": 1}, {}),
        ("ADT-A07-02.hl7", {"encounter": 1}, {}),
        (
            "ADT-A08-01.hl7",
            {"patient": 1, "encounter": 1, "allergy": 1, "condition": 1, "procedure": 1},
            {},
        ),
        ("ADT-A09-01.hl7", {}, {"ADT^A09": 1}),
        ("ADT-A11-01.hl7", {"encounter": 1}, {}),
        ("ADT-A13-02.hl7", {"encounter": 1}, {}),
        ("ADT-A28-01.hl7", {"patient": 1, "allergy": 1, "procedure": 1}, {}),
        ("ADT-A29-01.hl7", {}, {"ADT^A29": 1}),
        ("ADT-A31-02.hl7", {"patient": 1}, {}),
        ("ADT-A40-01.hl7", {"patient": 1}, {}),
        ("ADT-A40-02.hl7", {"patient": 2}, {}),
        ("ADT-A41-02.hl7", {}, {"ADT^A41": 1}),
        ("ADT-A45-01.hl7", {}, {"ADT^A45": 1}),
        ("ADT-A47-01.hl7", {"patient": 1}, {}),
        ("ADT-A47-02.hl7", {"patient": 2}, {}),
        ("ADT-A60-02.hl7", {}, {"ADT^A60": 1}),
        ("ADT01-23.hl7", {"patient": 1, "encounter": 1, "condition": 1}, {}),
        ("ADT01-28.hl7", {"patient": 1}, {NO_VISIT: 1}),
        ("ADT04-23.hl7", {"patient": 1, "encounter": 1}, {}),
        ("ADT04-251.hl7", {"patient": 1}, {NO_VISIT: 1}),
        ("ADT04-28.hl7", {"patient": 1, "encounter": 1}, {}),
        ("MDM_01.hl7", {"patient": 1, "encounter": 1}, {}),
        ("SIU_12.hl7", {}, {"ADT^A60": 1}),
    ],
)
def test_microsoft_adt_samples_map_to_expected_events(
    sample: str, events: dict[str, int], skipped: dict[str, int]
) -> None:
    """Each ADT sample (LF separators, some with a BOM) gives exactly these events."""
    result = _map(read_fixture(f"microsoft-fhir-converter/{sample}"))
    assert (counts(result), result.skipped, result.rejections) == (events, skipped, [])


@pytest.mark.parametrize(
    ("sample", "patients"),
    [
        ("sample_batch.hl7", 1),
        ("sample_batch1.hl7", 2),
        ("sample_batch2.hl7", 2),
        ("sample_file1.hl7", 3),
        ("sample_file2.hl7", 2),
        ("sample_file6.hl7", 1),
    ],
)
def test_python_hl7_batches_of_a04_map_each_message(sample: str, patients: int) -> None:
    """Each A04 of a batch or file gives a patient; their PV1 has no visit number."""
    result = _map(read_fixture(f"python-hl7/{sample}"))
    assert counts(result) == {"patient": patients}
    assert result.skipped == {NO_VISIT: patients}
    assert result.rejections == []


def test_hl7apy_adt_a01_maps() -> None:
    """hl7apy's ADT^A01 v2.6 (CR separators) gives a patient; its PV1 has no visit number."""
    result = _map(read_fixture("hl7apy/test_validation__adt_a01__L42.hl7"))
    assert counts(result) == {"patient": 1}
    assert result.events[0].payload["header"]["local_patient_id"] == "123-456-789"


def _payloads(result: AdapterResult, record_type: str) -> list[dict[str, Any]]:
    return [e.payload for e in result.events if e.record_type.value == record_type]


def test_uk_admission_patient_fields() -> None:
    """A synthetic Luton A01: every patient field, with BST times converted to UTC."""
    (patient,) = _payloads(_map(uk_admission()), "patient")
    header = patient.pop("header")
    assert patient == {
        "given_names": ["JANE", "ANNE"],
        "family_name": "SMITH",
        "birth_date": date(1980, 2, 29),
        "sex": "FEMALE",
        "postcode": "LU1 3LU",
        "address_lines": ["1 HIGH STREET", "FLAT 2", "LUTON", "BEDFORDSHIRE"],
        "phone": "+44 1582123456",
        "deceased_at": None,
        "registered_gp_practice": "E81046",
        "preferred_language": "en",
        "merged_local_patient_ids": [],
        "previous_local_patient_id": None,
    }
    assert {k: v for k, v in header.items() if k != "event_id"} == {
        "org": ORG,
        "source_system": SOURCE_SYSTEM,
        "local_patient_id": "RC9123456",
        "nhs_number": NHS_NUMBER,
        "nhs_number_status": "VERIFIED",
        "source_record_id": "RC9123456",
        "record_version": 1_718_181_000_000,
        "occurred_at": datetime(2024, 6, 12, 8, 15, tzinfo=UTC),
        "recorded_at": datetime(2024, 6, 12, 8, 30, tzinfo=UTC),
        "operation": "UPSERT",
        "confidentiality": [],
    }


def test_uk_admission_encounter_fields() -> None:
    """The A01's PV1: class, status, escaped location, service, visit number, admit time."""
    (encounter,) = _payloads(_map(uk_admission()), "encounter")
    header = encounter.pop("header")
    assert header["source_record_id"] == "V0001"
    assert encounter == {
        "encounter_class": "INPATIENT",
        "status": "IN_PROGRESS",
        "period_start": datetime(2024, 6, 12, 8, 0, tzinfo=UTC),
        "period_end": None,
        "service": "GEN",
        "location": "WARD 5, BAY 2, BED 3, L&D HOSPITAL",
        "reason": {"system": "SNOMED", "code": "22298006", "display": "Myocardial infarction"},
    }


def _adt(trigger: str, pv1: dict[int, str]) -> str:
    return message(
        msh(f"ADT^{trigger}"),
        segment("EVN", {1: trigger}),
        pid(),
        segment("PV1", {2: "O", 19: "V9", **pv1}),
    )


@pytest.mark.parametrize(
    ("trigger", "pv1", "patients", "status"),
    [
        ("A01", {}, 1, "IN_PROGRESS"),
        ("A02", {}, 0, "IN_PROGRESS"),
        ("A03", {45: "20240613100000"}, 0, "FINISHED"),
        ("A04", {}, 1, "ARRIVED"),
        ("A05", {}, 1, "PLANNED"),
        ("A06", {}, 0, "IN_PROGRESS"),
        ("A07", {}, 0, "IN_PROGRESS"),
        ("A08", {}, 1, "UNKNOWN"),
        ("A08", {44: "20240612090000"}, 1, "IN_PROGRESS"),
        ("A08", {44: "20240612090000", 45: "20240613100000"}, 1, "FINISHED"),
        ("A11", {}, 0, "CANCELLED"),
        ("A13", {}, 0, "IN_PROGRESS"),
        ("A28", {}, 1, None),
        ("A31", {}, 1, None),
    ],
)
def test_trigger_decides_patient_and_encounter_status(
    trigger: str, pv1: dict[int, str], patients: int, status: str | None
) -> None:
    """The trigger table: which events each trigger gives and the encounter's status."""
    result = _map(_adt(trigger, pv1))
    assert len(_payloads(result, "patient")) == patients
    assert [e["status"] for e in _payloads(result, "encounter")] == ([status] if status else [])


@pytest.mark.parametrize(
    ("patient_class", "encounter_class"),
    [("I", "INPATIENT"), ("O", "OUTPATIENT"), ("E", "EMERGENCY"), ("P", "OTHER"), ("", "OTHER")],
)
def test_patient_class_maps_to_encounter_class(patient_class: str, encounter_class: str) -> None:
    """PV1-2 (HL7 table 0004) -> EncounterClass."""
    (encounter,) = _payloads(_map(_adt("A01", {2: patient_class})), "encounter")
    assert encounter["encounter_class"] == encounter_class


def test_trigger_from_evn_when_msh9_has_none() -> None:
    """A v2.2-style ``ADT`` in MSH-9 takes its trigger from EVN-1."""
    text = message(msh("ADT"), segment("EVN", {1: "A04"}), pid(), segment("PV1", {19: "V1"}))
    assert counts(_map(text)) == {"patient": 1, "encounter": 1}


@pytest.mark.parametrize(
    ("sample", "field", "values"),
    [
        ("ADT-A40-01.hl7", "merged_local_patient_ids", [["56789"]]),
        ("ADT-A40-02.hl7", "merged_local_patient_ids", [["56789"], ["569"]]),
        ("ADT-A47-01.hl7", "previous_local_patient_id", ["MR102"]),
        ("ADT-A47-02.hl7", "previous_local_patient_id", ["MR102", "569"]),
    ],
)
def test_merge_and_identifier_change_link_prior_ids(
    sample: str, field: str, values: list[Any]
) -> None:
    """A40 names the merged ids (MRG-1) and A47 the previous id, one event per PID/MRG pair."""
    patients = _payloads(_map(read_fixture(f"microsoft-fhir-converter/{sample}")), "patient")
    assert [p[field] for p in patients] == values


def test_a40_survivor_keeps_its_own_id() -> None:
    """The A40 event is keyed by the surviving patient (PID-3), not the merged one."""
    (patient,) = _payloads(_map(read_fixture("microsoft-fhir-converter/ADT-A40-01.hl7")), "patient")
    assert patient["header"]["local_patient_id"] == "12345"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (uk_admission(nhs_number=BAD_CHECK_DIGIT), "PID-3: NHS number fails the Modulus 11 check"),
        (message(msh("ADT^A01"), segment("PV1", {19: "V1"})), "PID: segment missing"),
        (message(msh("ADT^A01"), pid()), "PV1: segment missing"),
        (message(msh("ADT^A31"), pid(f7="19801345")), "PID-7: not a valid HL7 date"),
        (message(msh("ADT^A31"), pid(f29="yesterday")), "PID-29: not a valid HL7 date/time"),
        (message(msh("ADT^A40"), pid()), "MRG: segment missing"),
        (
            message(msh("ADT^A47"), pid(), "MRG|^^^RC971^MR"),
            "MRG-1: prior patient identifier missing",
        ),
        (message(msh("ADT"), pid()), "MSH-9: trigger event missing"),
    ],
)
def test_broken_adt_messages_are_rejected_whole(text: str, reason: str) -> None:
    """A message breaking a rule gives no event at all and one field-level reason."""
    result = _map(text)
    assert (result.events, result.rejections) == ([], [Rejection("message 1", reason)])


def test_invalid_nhs_number_rejects_only_its_message_in_a_batch() -> None:
    """Clinical safety without collateral loss: the other messages of the batch still map."""
    batch = "BHS|^~\\&\r" + uk_admission(control_id="A") + uk_admission(BAD_CHECK_DIGIT, "B")
    batch += uk_admission(control_id="C") + "BTS|3\r"
    result = _map(batch)
    assert counts(result) == {"patient": 2, "encounter": 2}
    assert result.rejections == [
        Rejection("message 2", "PID-3: NHS number fails the Modulus 11 check")
    ]


def test_explicit_nulls_clear_fields() -> None:
    """``""`` in PID-13, PID-11 and PD1-3 gives no phone, address or practice."""
    text = message(
        msh("ADT^A31"), pid(f11='""', f13='""'), segment("PD1", {3: '""'}), segment("PV1", {})
    )
    (patient,) = _payloads(_map(text), "patient")
    assert (patient["phone"], patient["postcode"], patient["address_lines"]) == (None, None, [])
    assert patient["registered_gp_practice"] is None


def test_death_time_and_unknown_sex() -> None:
    """PID-29 gives deceased_at in UTC; an unknown PID-8 code gives UNKNOWN."""
    (patient,) = _payloads(
        _map(message(msh("ADT^A31"), pid(f8="1", f29="20240101120000"))), "patient"
    )
    assert patient["deceased_at"] == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert patient["sex"] == "UNKNOWN"
