"""Validation before publishing: every problem of an event, as 'path: rule', never a value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from producers.sdk import FieldProblem, ValidationError, event_problems, validate_event
from schemas import nhs_number
from schemas.attachments import MAX_ATTACHMENT_BYTES
from schemas.events import RecordType, SourceEvent
from tests.unit.schemas import samples

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CODE_SYSTEMS = "SNOMED, LOINC, DMD, ICD10, READ, OPCS4, LOCAL"


def problems(
    record_type: RecordType, header: dict[str, Any] | None = None, **body: Any
) -> list[str]:
    """The problem messages of a sample event with header fields and body fields replaced."""
    payload = samples.payload(record_type, **body)
    payload["header"].update(header or {})
    return [str(p) for p in event_problems(SourceEvent(record_type, payload), now=NOW)]


@pytest.mark.parametrize("record_type", list(RecordType))
def test_sample_events_are_valid(record_type: RecordType) -> None:
    """Each record type's sample event has no problems, and validate_event returns."""
    assert problems(record_type) == []
    validate_event(samples.event(record_type), now=NOW)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"org": ""}, ["patient.header.org: required, must not be empty"]),
        ({"event_id": "  "}, ["patient.header.event_id: required, must not be empty"]),
        (
            {"local_patient_id": "9990000018", "nhs_number": "9990000018"},
            ["patient.header.local_patient_id: must not be the NHS number"],
        ),
        (
            {"local_patient_id": "", "source_record_id": ""},
            [
                "patient.header.local_patient_id: required, must not be empty",
                "patient.header.source_record_id: required, must not be empty",
            ],
        ),
        ({"org": "RX:01"}, ["patient.header.org: not an ODS code (letters and digits only)"]),
        (
            {"nhs_number": "999 000 0018"},
            ["patient.header.nhs_number: must be 10 digits (digits only, no spaces)"],
        ),
        (
            {"nhs_number": "999000001"},
            ["patient.header.nhs_number: must be 10 digits (digits only, no spaces)"],
        ),
        ({"nhs_number": "9990000017"}, ["patient.header.nhs_number: fails the Modulus 11 check"]),
        ({"nhs_number": "1111111111"}, ["patient.header.nhs_number: fails the Modulus 11 check"]),
        (
            {"nhs_number": None},
            ["patient.header.nhs_number: required when nhs_number_status is VERIFIED"],
        ),
        ({"nhs_number": None, "nhs_number_status": "ABSENT"}, []),
        ({"nhs_number": str(nhs_number.test_number(0)), "nhs_number_status": "UNVERIFIED"}, []),
        ({"record_version": -1}, ["patient.header.record_version: must be 0 or more"]),
        ({"record_version": 0}, []),
        (
            {"occurred_at": NOW + timedelta(days=1, seconds=1)},
            ["patient.header.occurred_at: more than 1 day in the future"],
        ),
        ({"occurred_at": NOW + timedelta(days=1)}, []),
        (
            {"recorded_at": NOW + timedelta(days=3)},
            ["patient.header.recorded_at: more than 1 day in the future"],
        ),
        (
            {"occurred_at": int((NOW + timedelta(days=2)).timestamp() * 1000)},
            ["patient.header.occurred_at: more than 1 day in the future"],
        ),
        (
            {"nhs_number_status": "CONFIRMED"},
            [
                "patient.header.nhs_number_status: unknown nhs number status (expected one of "
                "VERIFIED, UNVERIFIED, TRACE_REQUIRED, TRACE_FAILED, NEEDS_RESOLUTION, ABSENT)"
            ],
        ),
        (
            {"occurred_at": datetime(2024, 1, 1)},
            ["patient.header.occurred_at: timestamp must be timezone-aware"],
        ),
    ],
)
def test_header_rules(header: dict[str, Any], expected: list[str]) -> None:
    """Header ids, NHS number format/check digit/status, versions and times give exact messages."""
    assert problems(RecordType.PATIENT, header) == expected


@pytest.mark.parametrize(
    ("record_type", "body", "expected"),
    [
        (
            RecordType.PATIENT,
            {"birth_date": date(2024, 6, 2)},
            ["patient.birth_date: in the future"],
        ),
        (RecordType.PATIENT, {"birth_date": date(2024, 6, 1)}, []),
        (
            RecordType.PATIENT,
            {"birth_date": date(1889, 12, 31)},
            ["patient.birth_date: before 1890-01-01"],
        ),
        (RecordType.PATIENT, {"birth_date": date(1890, 1, 1)}, []),
        (RecordType.PATIENT, {"birth_date": 19876}, ["patient.birth_date: in the future"]),
        (
            RecordType.PATIENT,
            {"deceased_at": datetime(1969, 1, 1, tzinfo=UTC)},
            ["patient.deceased_at: before birth_date"],
        ),
        (
            RecordType.PATIENT,
            {"deceased_at": NOW + timedelta(days=30)},
            ["patient.deceased_at: more than 1 day in the future"],
        ),
        (
            RecordType.PATIENT,
            {"sex": "F"},
            ["patient.sex: unknown sex (expected one of MALE, FEMALE, OTHER, UNKNOWN)"],
        ),
        (
            RecordType.ENCOUNTER,
            {"period_start": NOW, "period_end": NOW - timedelta(minutes=1)},
            ["encounter.period_end: before period_start"],
        ),
        (RecordType.ENCOUNTER, {"period_start": NOW, "period_end": None}, []),
        (
            RecordType.ENCOUNTER,
            {"reason": {"system": "ICD11", "code": ""}},
            [
                f"encounter.reason.system: unknown code system (expected one of {CODE_SYSTEMS})",
                "encounter.reason.code: required, must not be empty",
            ],
        ),
        (
            RecordType.MEDICATION,
            {"start_date": date(2024, 3, 8), "end_date": date(2024, 3, 1)},
            ["medication.end_date: before start_date"],
        ),
        (
            RecordType.MEDICATION,
            {"medication": {"system": "BNF", "code": "0407010H0"}},
            [f"medication.medication.system: unknown code system (expected one of {CODE_SYSTEMS})"],
        ),
        (
            RecordType.RESULT,
            {"code": {"system": "LOINC", "code": " "}},
            ["result.code.code: required, must not be empty"],
        ),
        (
            RecordType.RESULT,
            {"panel": {"system": "SNOMED", "code": ""}},
            ["result.panel.code: required, must not be empty"],
        ),
        (
            RecordType.RESULT,
            {"reference_low": 9.0, "reference_high": 3.0},
            ["result.reference_low: above reference_high"],
        ),
        (
            RecordType.RESULT,
            {"status": "DONE", "abnormal_flag": "H"},
            [
                "result.status: unknown result status (expected one of PRELIMINARY, FINAL, AMENDED, CANCELLED)",
                "result.abnormal_flag: unknown abnormal flag (expected one of NORMAL, LOW, HIGH, "
                "CRITICAL_LOW, CRITICAL_HIGH, ABNORMAL, UNKNOWN)",
            ],
        ),
        (
            RecordType.CONSENT,
            {"decision": "MAYBE"},
            ["consent.decision: unknown consent decision (expected one of PERMIT, DENY)"],
        ),
        (RecordType.CONSENT, {"colour": "red"}, ["consent.colour: unknown field (not in schema)"]),
        (
            RecordType.CONDITION,
            {"onset_date": date(2024, 3, 8), "abatement_date": date(2024, 3, 1)},
            ["condition.abatement_date: before onset_date"],
        ),
        (
            RecordType.ALLERGY,
            {"reactions": [{"system": "SNOMED", "code": "1"}, {"system": "SNOMED", "code": ""}]},
            ["allergy.reactions[1].code: required, must not be empty"],
        ),
        (
            RecordType.IMMUNISATION,
            {"dose_number": 0, "occurrence_date": date(2031, 1, 1)},
            [
                "immunisation.occurrence_date: more than 1 day in the future",
                "immunisation.dose_number: must be 1 or more",
            ],
        ),
        (
            RecordType.IMMUNISATION,
            {"vaccine": {"system": "CVX", "code": "140"}},
            [f"immunisation.vaccine.system: unknown code system (expected one of {CODE_SYSTEMS})"],
        ),
        (
            RecordType.PROCEDURE,
            {
                "performed_start": datetime(2031, 1, 1, tzinfo=UTC),
                "performed_end": datetime(2030, 1, 1, tzinfo=UTC),
                "reasons": [{"system": "SNOMED", "code": " "}],
            },
            [
                "procedure.performed_start: more than 1 day in the future",
                "procedure.performed_end: before performed_start",
                "procedure.reasons[0].code: required, must not be empty",
            ],
        ),
        (
            RecordType.DOCUMENT,
            {"url": "https://user:secret@host.example/x.pdf", "data": b"x", "content_type": None},
            [
                "document.data: must be empty when url is given (one or the other)",
                "document.url: must be an absolute https URL without credentials",
                "document.content_type: required when data is attached",
            ],
        ),
        (
            RecordType.DOCUMENT,
            {"url": None, "data": b"x" * (MAX_ATTACHMENT_BYTES + 1), "size": -1},
            [
                f"document.data: larger than {MAX_ATTACHMENT_BYTES} bytes: keep it at the "
                "source and send its url",
                "document.size: must be 0 or more",
            ],
        ),
        (
            RecordType.DOCUMENT,
            {"url": None, "data": None},
            [
                "document.url: required when there is no data (a document is kept at the source "
                "or attached)"
            ],
        ),
        (
            RecordType.ALLERGY,
            {"criticality": "SEVERE", "onset_date": date(2031, 1, 1)},
            [
                "allergy.criticality: unknown allergy criticality (expected one of LOW, HIGH, "
                "UNABLE_TO_ASSESS, UNKNOWN)",
                "allergy.onset_date: more than 1 day in the future",
            ],
        ),
        (
            RecordType.CONDITION,
            {"onset_date": date(2031, 1, 1)},
            ["condition.onset_date: more than 1 day in the future"],
        ),
        (
            RecordType.CONDITION,
            {"code": {"system": "SNOMED", "code": " "}, "clinical_status": "CURED"},
            [
                "condition.clinical_status: unknown condition clinical status (expected one of "
                "ACTIVE, RECURRENCE, RELAPSE, INACTIVE, REMISSION, RESOLVED, UNKNOWN)",
                "condition.code.code: required, must not be empty",
            ],
        ),
    ],
)
def test_record_rules(record_type: RecordType, body: dict[str, Any], expected: list[str]) -> None:
    """Dates, periods, code systems, codes and enums of each record type give exact messages."""
    assert problems(record_type, **body) == expected


def test_all_problems_are_collected_at_once() -> None:
    """An event with many faults reports every one of them, shape problems first."""
    header = {"org": "", "nhs_number": "9990000017", "record_version": -5}
    found = problems(RecordType.RESULT, header, code={"system": "FOO", "code": ""}, unit=7)
    assert found == [
        f"result.code.system: unknown code system (expected one of {CODE_SYSTEMS})",
        "result.unit: expected text",
        "result.header.org: required, must not be empty",
        "result.header.nhs_number: fails the Modulus 11 check",
        "result.header.record_version: must be 0 or more",
        "result.code.code: required, must not be empty",
    ]


def test_missing_header_reports_once_and_does_not_crash() -> None:
    """Without a header, validation reports it missing instead of raising KeyError."""
    payload = samples.payload(RecordType.CONSENT)
    del payload["header"]
    found = event_problems(SourceEvent(RecordType.CONSENT, payload), now=NOW)
    assert found == [FieldProblem("consent.header", "required field missing")]


def test_validate_event_raises_with_every_problem() -> None:
    """validate_event raises ValidationError whose problems and message list every fault."""
    event = samples.event(RecordType.PATIENT, birth_date=date(1800, 1, 1), sex="X")
    with pytest.raises(ValidationError) as caught:
        validate_event(event, now=NOW)
    assert [p.path for p in caught.value.problems] == ["patient.sex", "patient.birth_date"]
    assert str(caught.value).startswith("2 problems: patient.sex: unknown sex")


def test_messages_never_contain_phi() -> None:
    """Wrong NHS numbers, names and birth dates are never quoted in validation messages."""
    header = {"nhs_number": "9990000017"}
    found = " ".join(
        problems(RecordType.PATIENT, header, family_name=["Example"], birth_date=date(1850, 2, 3))
    )
    for phi in ("9990000017", "Example", "1850"):
        assert phi not in found


@given(serial=st.integers(0, 5000))
def test_every_valid_test_range_number_passes(serial: int) -> None:
    """Law: any valid 999-range NHS number passes the header number rules."""
    assert problems(RecordType.CONSENT, {"nhs_number": str(nhs_number.test_number(serial))}) == []


@given(serial=st.integers(0, 5000), digit=st.integers(1, 9))
def test_changing_the_check_digit_fails(serial: int, digit: int) -> None:
    """Law: altering the check digit of a valid number makes it fail Modulus 11."""
    number = str(nhs_number.test_number(serial))
    wrong = number[:9] + str((int(number[9]) + digit) % 10)
    assert problems(RecordType.CONSENT, {"nhs_number": wrong}) == [
        "consent.header.nhs_number: fails the Modulus 11 check"
    ]
