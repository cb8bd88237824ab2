"""Who a resource is about: local ids, NHS numbers and their verification status."""

from __future__ import annotations

from typing import Any

import pytest

from producers.fhir.document import Document
from producers.fhir.errors import MappingError
from producers.fhir.identity import PatientRef, nhs_number_of, patient_identity, referenced_patient

from .builders import (
    INVALID_NHS,
    NHS_SYSTEM,
    VALID_NHS,
    bundle,
    lab_observation,
    nhs_identifier,
    patient,
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("01", "VERIFIED"),
        ("02", "UNVERIFIED"),
        ("03", "TRACE_REQUIRED"),
        ("04", "TRACE_FAILED"),
        ("05", "NEEDS_RESOLUTION"),
        ("06", "TRACE_REQUIRED"),
        ("07", "UNVERIFIED"),
        ("08", "TRACE_REQUIRED"),
        ("99", "UNVERIFIED"),
        (None, "UNVERIFIED"),
    ],
)
def test_verification_status_table(code: str | None, expected: str) -> None:
    """UK Core status codes map to the schema enum; unknown or missing is never VERIFIED."""
    number, status = nhs_number_of([nhs_identifier(VALID_NHS, code)], "Patient.identifier")
    assert (number, status) == (VALID_NHS, expected)


def test_no_number_is_absent() -> None:
    """Without an NHS-number identifier the status is ABSENT and the number None."""
    other = {"system": "http://acme.org/mrn", "value": "12345"}
    assert nhs_number_of([other], "Patient.identifier") == (None, "ABSENT")


def test_spaces_in_numbers_are_normalised() -> None:
    """``999 000 0018`` is read as ``9990000018``."""
    identifier = {"system": NHS_SYSTEM, "value": "999 000 0018"}
    assert nhs_number_of([identifier], "Patient.identifier") == (VALID_NHS, "UNVERIFIED")


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ([INVALID_NHS], "Patient.identifier(nhs-number): fails the Modulus 11 check"),
        (["12345"], "Patient.identifier(nhs-number): must be 10 digits"),
        (["0000000000"], "Patient.identifier(nhs-number): fails the Modulus 11 check"),
        ([VALID_NHS, "9990000026"], "Patient.identifier(nhs-number): more than one NHS number"),
    ],
)
def test_unsafe_numbers_reject(values: list[str], reason: str) -> None:
    """Invalid or conflicting NHS numbers reject, and the reason never holds the number."""
    identifiers = [nhs_identifier(value) for value in values]
    with pytest.raises(MappingError) as caught:
        nhs_number_of(identifiers, "Patient.identifier")
    assert str(caught.value) == reason
    assert all(value not in str(caught.value) for value in values)


@pytest.mark.parametrize(
    ("resource", "full_url", "expected"),
    [
        (patient(), None, "pat-1"),
        (
            {
                "resourceType": "Patient",
                "identifier": [
                    {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-11-2222"},
                    {
                        "type": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                    "code": "MR",
                                }
                            ]
                        },
                        "value": "MRN-77",
                    },
                ],
            },
            "urn:uuid:11111111-2222-4333-8444-555555555555",
            "MRN-77",
        ),
        (
            {"resourceType": "Patient", "identifier": [{"system": "http://x/ssn", "value": "1"}]},
            "urn:uuid:11111111-2222-4333-8444-555555555555",
            "11111111-2222-4333-8444-555555555555",
        ),
    ],
)
def test_local_id_precedence(resource: dict[str, Any], full_url: str | None, expected: str) -> None:
    """Local id is the logical id, else the MR identifier, else the entry's urn:uuid."""
    assert patient_identity(resource, full_url=full_url).local_id == expected


def test_patient_without_any_id_rejects() -> None:
    """A Patient with no id, MR identifier or urn:uuid cannot be keyed."""
    with pytest.raises(MappingError, match=r"^Patient.id: missing"):
        patient_identity({"resourceType": "Patient"}, full_url="http://server/Patient")


def test_subject_resolves_through_urn_uuid_to_the_patients_id() -> None:
    """In a Bundle, ``urn:uuid`` subjects take the Patient's local id and NHS number."""
    observation = lab_observation(
        subject={"reference": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    )
    doc = Document.of(bundle(patient(id="local-42"), observation))
    who = referenced_patient(observation, "subject", doc)
    assert who == PatientRef("local-42", VALID_NHS, "VERIFIED")


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ({"reference": "Patient/p9"}, PatientRef("p9")),
        ({"reference": "https://fhir.example.nhs.uk/R4/Patient/p9/_history/4"}, PatientRef("p9")),
        (
            {"reference": "Patient/p9", "identifier": nhs_identifier(VALID_NHS, "02")},
            PatientRef("p9", VALID_NHS, "UNVERIFIED"),
        ),
        ({"identifier": {"system": "http://acme.org/mrn", "value": "A7"}}, PatientRef("A7")),
    ],
)
def test_references_outside_the_document(reference: dict[str, Any], expected: PatientRef) -> None:
    """Relative, absolute and identifier references give the id the org uses."""
    observation = lab_observation(subject=reference)
    assert referenced_patient(observation, "subject", Document.of(observation)) == expected


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        (None, "Observation.subject: missing"),
        (
            {"reference": "urn:uuid:6f0c9d2e-0000-4000-8000-000000000001"},
            "Observation.subject: reference not found in the document",
        ),
        ({"reference": "Group/g1"}, "Observation.subject: refers to a Group, not a Patient"),
        ({"display": "someone"}, "Observation.subject: no reference or identifier"),
    ],
)
def test_unusable_subjects_reject(subject: dict[str, Any] | None, reason: str) -> None:
    """A subject we cannot tie to a Patient is a field-level rejection."""
    observation = lab_observation(subject=subject)
    with pytest.raises(MappingError, match=f"^{reason}$"):
        referenced_patient(observation, "subject", Document.of(observation))


def test_invalid_number_on_the_referenced_patient_rejects_the_resource() -> None:
    """A result about a Patient whose NHS number fails Modulus 11 is rejected too."""
    observation = lab_observation(subject={"reference": "Patient/pat-1"})
    doc = Document.of(bundle(patient(identifier=[nhs_identifier(INVALID_NHS)]), observation))
    with pytest.raises(MappingError) as caught:
        referenced_patient(observation, "subject", doc)
    assert str(caught.value) == (
        "Observation.subject: referenced Patient.identifier(nhs-number): fails the Modulus 11 check"
    )
