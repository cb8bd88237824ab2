"""Code system mapping and the choice of one coding per concept."""

from __future__ import annotations

from typing import Any

import pytest

from producers.fhir.codes import (
    MEDICINE_PREFERENCE,
    RESULT_PREFERENCE,
    CodeSystem,
    code_from,
    optional_code,
    system_of,
)
from producers.fhir.errors import MappingError


@pytest.mark.parametrize(
    ("uri", "medicine", "expected"),
    [
        ("http://loinc.org", False, CodeSystem.LOINC),
        ("http://snomed.info/sct", False, CodeSystem.SNOMED),
        ("http://snomed.info/sct", True, CodeSystem.DMD),
        ("https://dmd.nhs.uk", True, CodeSystem.DMD),
        ("https://dmd.nhs.uk", False, CodeSystem.DMD),
        ("http://hl7.org/fhir/sid/icd-10", False, CodeSystem.ICD10),
        ("http://hl7.org/fhir/sid/icd-10-uk", False, CodeSystem.ICD10),
        ("http://read.info/readv2", False, CodeSystem.READ),
        ("http://read.info/ctv3", False, CodeSystem.READ),
        ("http://www.nlm.nih.gov/research/umls/rxnorm", True, CodeSystem.LOCAL),
        ("http://acme.org/lab-codes", False, CodeSystem.LOCAL),
        (None, False, CodeSystem.LOCAL),
    ],
)
def test_system_table(uri: str | None, medicine: bool, expected: CodeSystem) -> None:
    """Each FHIR system URI maps to the schema's CodeSystem; unknown systems are LOCAL."""
    assert system_of(uri, medicine=medicine) is expected


def test_results_prefer_loinc_over_snomed_and_local() -> None:
    """Among several codings a result keeps the LOINC one, with its own display."""
    concept = {
        "text": "Haemoglobin",
        "coding": [
            {"system": "http://acme.org/lab", "code": "HB"},
            {"system": "http://snomed.info/sct", "code": "1022431000000105"},
            {"system": "http://loinc.org", "code": "718-7", "display": "Hemoglobin"},
        ],
    }
    code = code_from(concept, "Observation.code", prefer=RESULT_PREFERENCE)
    assert code == {"system": "LOINC", "code": "718-7", "display": "Hemoglobin"}


def test_display_falls_back_to_concept_text() -> None:
    """A coding without display borrows the concept's text."""
    concept = {"text": "Serum sodium", "coding": [{"system": "http://acme.org/lab", "code": "NA"}]}
    code = code_from(concept, "Observation.code", prefer=RESULT_PREFERENCE)
    assert code == {"system": "LOCAL", "code": "NA", "display": "Serum sodium"}


def test_medicines_prefer_dmd() -> None:
    """A medicine coded in RxNorm and dm+d keeps the dm+d code."""
    concept: dict[str, Any] = {
        "coding": [
            {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "308182"},
            {"system": "http://snomed.info/sct", "code": "323509004", "display": "Amoxicillin"},
        ]
    }
    code = code_from(concept, "x", prefer=MEDICINE_PREFERENCE, medicine=True)
    assert code == {"system": "DMD", "code": "323509004", "display": "Amoxicillin"}


@pytest.mark.parametrize(
    ("concept", "reason"),
    [
        (None, "Observation.code: missing"),
        ({"text": "Potassium"}, "Observation.code: no coding"),
        (
            {"coding": [{"system": "http://loinc.org", "display": "no code"}]},
            "Observation.code: no coding",
        ),
    ],
)
def test_uncoded_concepts_are_refused(concept: dict[str, Any] | None, reason: str) -> None:
    """Free text alone is not a code: the field-level reason says so."""
    with pytest.raises(MappingError, match=f"^{reason}$"):
        code_from(concept, "Observation.code", prefer=RESULT_PREFERENCE)


def test_optional_code_is_none_without_coding() -> None:
    """An optional concept with text only gives no Code rather than an error."""
    assert optional_code({"text": "chest pain"}, "Encounter.reasonCode", prefer=()) is None
