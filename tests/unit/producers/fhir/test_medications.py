"""MedicationRequest and MedicationStatement -> medication events."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from .builders import bundle, medication_request, run

_COURSE = "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy"


def payload_of(resource: dict[str, Any]) -> dict[str, Any]:
    result = run(resource)
    assert result.rejections == []
    assert len(result.events) == 1
    return result.events[0].payload


def statement(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": "ms-1",
        "status": "active",
        "medicationCodeableConcept": {
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "322236009",
                    "display": "Paracetamol 500mg tablets",
                }
            ]
        },
        "subject": {"reference": "Patient/pat-1"},
        "effectivePeriod": {"start": "2023-01-10", "end": "2023-02-10"},
        "dateAsserted": "2023-03-01T12:00:00Z",
        "dosage": [{"text": "1 tablet four times a day"}, {"text": "max 8 in 24 hours"}],
    }
    resource.update(fields)
    return resource


def test_full_request_event() -> None:
    """A UK Core style prescription fills dose, route, frequency, course and dates."""
    request = medication_request(
        courseOfTherapyType={"coding": [{"system": _COURSE, "code": "continuous"}]},
        dosageInstruction=[
            {
                "text": "500mg three times a day",
                "timing": {
                    "repeat": {
                        "frequency": 3,
                        "period": 1,
                        "periodUnit": "d",
                        "boundsPeriod": {"start": "2024-03-03", "end": "2024-03-10"},
                    }
                },
                "route": {
                    "coding": [
                        {"system": "http://snomed.info/sct", "code": "26643006", "display": "Oral"}
                    ]
                },
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": 500,
                            "unit": "milligram",
                            "system": "http://unitsofmeasure.org",
                            "code": "mg",
                        }
                    }
                ],
            }
        ],
        requester={
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                "value": "Y01234",
            }
        },
    )
    payload = payload_of(request)
    payload.pop("header")
    assert payload == {
        "medication": {"system": "DMD", "code": "39732411000001106", "display": "Amox"},
        "kind": "REQUEST",
        "status": "ACTIVE",
        "course": "REPEAT",
        "dose_text": "500mg three times a day",
        "dose_quantity": 500.0,
        "dose_unit": "mg",
        "route": "Oral",
        "frequency": "3 per day",
        "start_date": date(2024, 3, 3),
        "end_date": date(2024, 3, 10),
        "prescriber": "Y01234",
    }


def test_statement_event() -> None:
    """A MedicationStatement is kind STATEMENT; SNOMED medicines are dm+d; dosage texts join."""
    payload = payload_of(statement())
    assert payload["kind"] == "STATEMENT"
    assert payload["medication"]["system"] == "DMD"
    assert payload["dose_text"] == "1 tablet four times a day; max 8 in 24 hours"
    assert (payload["start_date"], payload["end_date"]) == (date(2023, 1, 10), date(2023, 2, 10))
    assert payload["header"]["source_record_id"] == "MedicationStatement/ms-1"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", "ACTIVE"),
        ("on-hold", "ON_HOLD"),
        ("cancelled", "CANCELLED"),
        ("completed", "COMPLETED"),
        ("stopped", "STOPPED"),
        ("entered-in-error", "CANCELLED"),
        ("unknown", "UNKNOWN"),
    ],
)
def test_request_status_table(status: str, expected: str) -> None:
    """MedicationRequest status maps to the medication status enum."""
    assert payload_of(medication_request(status=status))["status"] == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", "ACTIVE"),
        ("completed", "COMPLETED"),
        ("stopped", "STOPPED"),
        ("on-hold", "ON_HOLD"),
        ("entered-in-error", "CANCELLED"),
        ("intended", "UNKNOWN"),
        ("unknown", "UNKNOWN"),
    ],
)
def test_statement_status_table(status: str, expected: str) -> None:
    """MedicationStatement status maps to the medication status enum."""
    assert payload_of(statement(status=status))["status"] == expected


@pytest.mark.parametrize(
    ("resource", "kind"),
    [
        (medication_request(status="draft"), "MedicationRequest(draft)"),
        (statement(status="not-taken"), "MedicationStatement(not-taken)"),
    ],
)
def test_drafts_and_not_taken_are_skipped(resource: dict[str, Any], kind: str) -> None:
    """A draft prescription and a not-taken statement are counted, not shared."""
    result = run(resource)
    assert (result.events, result.skipped) == ([], {kind: 1})


@pytest.mark.parametrize(
    ("code", "course"),
    [
        ("acute", "ACUTE"),
        ("continuous", "REPEAT"),
        ("seasonal", "REPEAT"),
        ("continuous-repeat-dispensing", "REPEAT_DISPENSING"),
        ("other", "UNKNOWN"),
    ],
)
def test_course_table(code: str, course: str) -> None:
    """courseOfTherapyType maps to the course enum."""
    request = medication_request(
        courseOfTherapyType={"coding": [{"system": _COURSE, "code": code}]}
    )
    assert payload_of(request)["course"] == course


@pytest.mark.parametrize(
    ("repeat", "frequency"),
    [
        ({"frequency": 1, "period": 8, "periodUnit": "h"}, "1 per 8 hours"),
        ({"frequency": 2, "period": 1, "periodUnit": "wk"}, "2 per week"),
        ({"frequency": 1, "period": 0.5, "periodUnit": "d"}, "1 per 0.5 days"),
        ({"frequency": 1}, None),
    ],
)
def test_frequency_from_timing_repeat(repeat: dict[str, Any], frequency: str | None) -> None:
    """Timing.repeat is written as 'n per period unit' when complete."""
    request = medication_request(dosageInstruction=[{"timing": {"repeat": repeat}}])
    assert payload_of(request)["frequency"] == frequency


def test_timing_code_text_wins() -> None:
    """A coded timing (e.g. BID) uses its text."""
    request = medication_request(
        dosageInstruction=[
            {
                "timing": {
                    "code": {"text": "twice a day"},
                    "repeat": {"frequency": 2, "period": 1, "periodUnit": "d"},
                }
            }
        ]
    )
    assert payload_of(request)["frequency"] == "twice a day"


def test_contained_and_bundled_medications_resolve() -> None:
    """medicationReference resolves to a contained Medication or one in the Bundle."""
    medicine = {
        "resourceType": "Medication",
        "id": "m1",
        "code": {
            "coding": [
                {
                    "system": "https://dmd.nhs.uk",
                    "code": "39720311000001101",
                    "display": "Paracetamol",
                }
            ]
        },
    }
    contained = medication_request(contained=[medicine], medicationReference={"reference": "#m1"})
    del contained["medicationCodeableConcept"]
    assert payload_of(contained)["medication"]["code"] == "39720311000001101"
    bundled = medication_request(medicationReference={"reference": "Medication/m1"})
    del bundled["medicationCodeableConcept"]
    result = run(bundle(bundled, medicine))
    assert result.events[0].payload["medication"]["code"] == "39720311000001101"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {
                "medicationCodeableConcept": None,
                "medicationReference": {"reference": "Medication/elsewhere"},
            },
            "MedicationRequest.medicationReference: no Medication found in the document",
        ),
        ({"medicationCodeableConcept": None}, "MedicationRequest.medication[x]: missing"),
        (
            {"medicationCodeableConcept": {"text": "Amoxicillin"}},
            "MedicationRequest.medicationCodeableConcept: no coding",
        ),
        (
            {"authoredOn": None},
            "MedicationRequest.authoredOn: missing (and no other time of record)",
        ),
        ({"status": None}, "MedicationRequest.status: missing or not an R4 status"),
    ],
)
def test_rejections(change: dict[str, Any], reason: str) -> None:
    """Unmappable prescriptions are rejected with the field and the rule."""
    request = medication_request()
    for key, value in change.items():
        if value is None:
            request.pop(key)
        else:
            request[key] = value
    assert [r.reason for r in run(request).rejections] == [reason]


def test_requester_person_is_never_the_prescriber() -> None:
    """A Practitioner requester leaves prescriber empty: never a person's name."""
    request = medication_request(
        requester={"reference": "Practitioner/p1", "display": "Dr A Person"}
    )
    assert payload_of(request)["prescriber"] is None
