"""The adapter over the shared real-world fixtures: Synthea counts, Avro validity, UK Core
and PDS specifics."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import fastavro
import pytest

from producers.fhir import events_from_fhir, parse_fhir_xml
from producers.model import AdapterResult
from schemas.events import RecordType

from .builders import ORG, RECEIVED, SYSTEM

PROJECT = Path(__file__).resolve().parents[4]
FIXTURES = PROJECT.parent / "shared" / "fixtures"
LOCATION = re.compile(r"Bundle\.entry\[\d+\]\([A-Za-z ]+\)|[A-Z][A-Za-z]+")
REASON = re.compile(r"[A-Z][A-Za-z]*(\.[A-Za-z\[\]\d()-]+)*: \S")
SYNTHEA_ROWS = list(csv.DictReader((FIXTURES / "synthea" / "index.csv").open(encoding="utf-8")))


def newest_schema(record_type: RecordType) -> Any:
    """The parsed newest ``v<N>.avsc`` of a record type (v2 beats v1, v10 beats v9)."""
    versions = (PROJECT / "schemas" / "avro" / record_type.value).glob("v*.avsc")
    newest = max(versions, key=lambda path: int(path.stem[1:]))
    return fastavro.parse_schema(json.loads(newest.read_text(encoding="utf-8")))


def load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    return parse_fhir_xml(text) if path.suffix == ".xml" else json.loads(text)


def fhir_files() -> list[Path]:
    fhir = FIXTURES / "fhir"
    files = [p for p in (fhir / "r4-core").glob("*.json") if p.name != "package.json"]
    files += list((fhir / "nhs-pds").rglob("*.json")) + list((fhir / "uk-core").glob("*.xml"))
    files += list((FIXTURES / "synthea" / "bundles").glob("*.json"))
    return sorted(files)


def map_file(path: Path) -> AdapterResult:
    return events_from_fhir(load(path), org=ORG, source_system=SYSTEM, received_at=RECEIVED)


@pytest.mark.parametrize("row", SYNTHEA_ROWS, ids=[row["file"][:30] for row in SYNTHEA_ROWS])
def test_synthea_counts_agree_with_the_index(row: dict[str, str]) -> None:
    """Per bundle: 1 patient, one encounter per Encounter, one result per laboratory
    Observation (none has components), one medication per MedicationRequest, one condition
    per Condition, one allergy per AllergyIntolerance, one immunisation per Immunization, one procedure per Procedure,
    no rejections."""
    result = map_file(FIXTURES / "synthea" / "bundles" / row["file"])
    counts = Counter(event.record_type.value for event in result.events)
    assert dict(counts) == {
        "patient": 1,
        "encounter": int(row["Encounter"]),
        "result": int(row["Observation_laboratory"]),
        "medication": int(row["MedicationRequest"]),
        **({"condition": int(row["Condition"])} if int(row["Condition"]) else {}),
        **({"allergy": int(row["AllergyIntolerance"])} if int(row["AllergyIntolerance"]) else {}),
        **({"immunisation": int(row["Immunization"])} if int(row["Immunization"]) else {}),
        **({"procedure": int(row["Procedure"])} if int(row["Procedure"]) else {}),
    }
    assert result.rejections == []
    patient = next(e for e in result.events if e.record_type is RecordType.PATIENT).payload
    assert patient["header"]["local_patient_id"] == row["patient_id"]
    assert (patient["family_name"], patient["postcode"]) == (row["family"], row["postalCode"])


def test_every_fixture_event_encodes_with_the_newest_schema() -> None:
    """All events from all fixtures are valid Avro for the newest schema of their type."""
    schemas = {record_type: newest_schema(record_type) for record_type in RecordType}
    encoded: Counter[str] = Counter()
    for path in fhir_files():
        for event in map_file(path).events:
            fastavro.schemaless_writer(io.BytesIO(), schemas[event.record_type], event.payload)
            encoded[event.record_type.value] += 1
    assert set(encoded) == {
        "patient",
        "result",
        "medication",
        "encounter",
        "consent",
        "condition",
        "allergy",
        "immunisation",
        "procedure",
    }
    assert sum(encoded.values()) > 2500


def test_fixture_rejections_name_fields_only() -> None:
    """Every rejection over the fixtures has a location like ``Bundle.entry[3](Observation)``
    and a reason starting with a field path."""
    reasons: Counter[str] = Counter()
    for path in fhir_files():
        for rejection in map_file(path).rejections:
            assert LOCATION.fullmatch(rejection.location), rejection.location
            assert REASON.match(rejection.reason), rejection.reason
            reasons[rejection.reason] += 1
    assert reasons["Patient.identifier(nhs-number): fails the Modulus 11 check"] == 4


@pytest.mark.parametrize(
    ("name", "confidentiality", "status"),
    [
        ("sandbox-mocks/Sensitive_Patient.json", ["R"], "VERIFIED"),
        ("karate-stubs/patientResponses/patient_9000000025.json", ["R"], "VERIFIED"),
        ("sandbox-mocks/Patient.json", [], "VERIFIED"),
    ],
)
def test_pds_restricted_patients(name: str, confidentiality: list[str], status: str) -> None:
    """PDS meta.security R becomes confidentiality R; U adds nothing."""
    result = map_file(FIXTURES / "fhir" / "nhs-pds" / name)
    header = result.events[0].payload["header"]
    assert (header["confidentiality"], header["nhs_number_status"]) == (confidentiality, status)


def test_pds_restricted_record_has_no_address_or_gp() -> None:
    """A restricted PDS record maps without address or GP (PDS removed them; we add none)."""
    payload = (
        map_file(FIXTURES / "fhir" / "nhs-pds" / "sandbox-mocks" / "Sensitive_Patient.json")
        .events[0]
        .payload
    )
    assert (payload["postcode"], payload["address_lines"], payload["registered_gp_practice"]) == (
        None,
        [],
        None,
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "fhir/uk-core/UKCore-Patient-BabyPatient-Example.xml",
            "Patient.identifier(nhs-number): fails the Modulus 11 check",
        ),
        (
            "fhir/nhs-pds/sandbox-mocks/PatientCompoundName.json",
            "Patient.identifier(nhs-number): fails the Modulus 11 check",
        ),
    ],
)
def test_invalid_nhs_numbers_in_fixtures_reject(name: str, reason: str) -> None:
    """The fixtures' numbers that fail Modulus 11 are rejected, not silently kept."""
    result = map_file(FIXTURES / name)
    assert (result.events, [r.reason for r in result.rejections]) == ([], [reason])


def test_uk_core_patient() -> None:
    """The UK Core example patient: verified NHS number, BSL preferred, current details."""
    payload = (
        map_file(FIXTURES / "fhir" / "uk-core" / "UKCore-Patient-RichardSmith-Example.xml")
        .events[0]
        .payload
    )
    header = payload["header"]
    assert (header["nhs_number"], header["nhs_number_status"]) == ("9912003888", "VERIFIED")
    assert (payload["family_name"], payload["postcode"], payload["preferred_language"]) == (
        "SMITH",
        "LS17 7DF",
        "bfi",
    )


def test_uk_core_lab_bundle_with_components_is_not_a_result() -> None:
    """UK Core batch bundle: the blood pressure (vital signs, components) is skipped, not split."""
    result = map_file(FIXTURES / "fhir" / "uk-core" / "UKCore-Bundle-BatchPOST-Example.xml")
    assert all(event.record_type is not RecordType.RESULT for event in result.events)
    assert result.skipped.get("Observation(vital-signs)", 0) >= 1


def test_uk_core_medication_request() -> None:
    """UK Core amoxicillin prescription: dm+d code, acute course, dose and frequency."""
    payload = (
        map_file(FIXTURES / "fhir" / "uk-core" / "UKCore-MedicationRequest-Amoxicillin-Example.xml")
        .events[0]
        .payload
    )
    assert payload["medication"] == {
        "system": "DMD",
        "code": "39732411000001106",
        "display": "Amoxicillin 500mg capsules",
    }
    assert (
        payload["course"],
        payload["dose_quantity"],
        payload["dose_unit"],
        payload["route"],
        payload["frequency"],
    ) == ("ACUTE", 500.0, "mg", "Oral", "3 per day")


def test_r4_lab_report_bundle_components() -> None:
    """Bundle-lri-example: the micro results with components yield suffixed component events."""
    result = map_file(FIXTURES / "fhir" / "r4-core" / "Bundle-lri-example.json")
    ids = [
        e.payload["header"]["source_record_id"]
        for e in result.events
        if e.record_type is RecordType.RESULT
    ]
    assert any("#component-0" in record_id for record_id in ids)
    assert len(ids) == len(set(ids))


def test_mapping_fixtures_twice_gives_identical_events() -> None:
    """Re-running a Synthea file gives the same event ids (idempotent re-ingest)."""
    path = FIXTURES / "synthea" / "bundles" / SYNTHEA_ROWS[0]["file"]
    first = [e.payload["header"]["event_id"] for e in map_file(path).events]
    assert first == [e.payload["header"]["event_id"] for e in map_file(path).events]
    assert len(first) == len(set(first))
