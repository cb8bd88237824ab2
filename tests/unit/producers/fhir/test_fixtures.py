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


#: The R4 observation-category codes (hl7.org/fhir/R4/codesystem-observation-category.html).
R4_OBSERVATION_CATEGORIES = frozenset({
    "social-history", "vital-signs", "imaging", "laboratory", "procedure", "survey", "exam",
    "therapy", "activity",
})  # fmt: skip


def observation_results(bundle: dict[str, Any]) -> tuple[Counter[str], int]:
    """Counted from the JSON, not by the mapper: the results each category's Observations
    give (one per component, plus one for an Observation's own value or when it has no
    components) and how many Observations carry only a category outside R4 (the documented
    skip: Synthea's misspelt ``vital-sign``)."""
    results: Counter[str] = Counter()
    unknown = 0
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Observation":
            continue
        codes = {c["code"] for cat in resource.get("category", ()) for c in cat["coding"]}
        known = sorted(codes & R4_OBSERVATION_CATEGORIES)
        if not known:
            unknown += 1
            continue
        components = len(resource.get("component", ()))
        own = any(key.startswith("value") for key in resource) or not components
        results["laboratory" if "laboratory" in known else known[0]] += components + int(own)
    return results, unknown


def report_forms(bundle: dict[str, Any]) -> tuple[int, int, int]:
    """Counted from the JSON: the documents DiagnosticReports present (one per
    ``presentedForm`` attachment), the reports that present none (a counted skip) and all
    reports."""
    reports = [e["resource"] for e in bundle["entry"]
               if e["resource"]["resourceType"] == "DiagnosticReport"]  # fmt: skip
    forms = [len(r.get("presentedForm", ())) for r in reports]
    return sum(forms), forms.count(0), len(reports)


@pytest.mark.parametrize("row", SYNTHEA_ROWS, ids=[row["file"][:30] for row in SYNTHEA_ROWS])
def test_synthea_counts_agree_with_the_index(row: dict[str, str]) -> None:
    """Per bundle: 1 patient, one encounter per Encounter, the results its Observations give
    counted from the JSON (laboratory ones as index.csv says), one medication per
    MedicationRequest, one condition per Condition, one allergy per AllergyIntolerance, one
    immunisation per Immunization, one procedure per Procedure, one document per
    DiagnosticReport presentedForm (reports without one skipped, as many as index.csv lists
    reports), no rejections; Observations of a category outside R4 are the only skipped
    Observations."""
    path = FIXTURES / "synthea" / "bundles" / row["file"]
    result = map_file(path)
    counts = Counter(event.record_type.value for event in result.events)
    bundle = json.loads(path.read_text(encoding="utf-8"))
    by_category, unknown = observation_results(bundle)
    documents, plain_reports, reports = report_forms(bundle)
    assert reports == int(row["DiagnosticReport"])
    assert result.skipped.get("DiagnosticReport", 0) == plain_reports
    assert by_category["laboratory"] == int(row["Observation_laboratory"])
    mapped = Counter(
        str(e.payload["category"]).lower().replace("_", "-")
        for e in result.events
        if e.record_type is RecordType.RESULT
    )
    assert mapped == by_category
    skipped = {k: v for k, v in result.skipped.items() if k.startswith("Observation")}
    assert skipped == ({"Observation(vital-sign)": unknown} if unknown else {})
    assert dict(counts) == {
        "patient": 1,
        "encounter": int(row["Encounter"]),
        "result": sum(by_category.values()),
        "medication": int(row["MedicationRequest"]),
        **({"condition": int(row["Condition"])} if int(row["Condition"]) else {}),
        **({"allergy": int(row["AllergyIntolerance"])} if int(row["AllergyIntolerance"]) else {}),
        **({"immunisation": int(row["Immunization"])} if int(row["Immunization"]) else {}),
        **({"procedure": int(row["Procedure"])} if int(row["Procedure"]) else {}),
        **({"document": documents} if documents else {}),
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
        "document",
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


def test_uk_core_blood_pressure_is_two_vital_sign_results() -> None:
    """UK Core batch bundle: the blood pressure (vital signs, components) gives one vital-sign
    result per component, with the blood pressure as their panel."""
    result = map_file(FIXTURES / "fhir" / "uk-core" / "UKCore-Bundle-BatchPOST-Example.xml")
    results = [e.payload for e in result.events if e.record_type is RecordType.RESULT]
    assert results and {r["category"] for r in results} == {"VITAL_SIGNS"}
    assert all(r["header"]["source_record_id"].endswith(("#component-0", "#component-1"))
               for r in results)  # fmt: skip
    assert all(r["panel"] is not None for r in results)
    assert "Observation(vital-signs)" not in result.skipped


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


def test_reports_presenting_a_document_in_the_fixtures() -> None:
    """UK Core's ECG report (XML: its base64 ``data`` is one value, not a list) and R4's
    pharmacogenomics report each present one PDF; SNOMED CT and LOINC report codes."""
    ecg = map_file(FIXTURES / "fhir" / "uk-core" / "UKCore-DiagnosticReport-ECG-Example.xml")
    pgx = map_file(FIXTURES / "fhir" / "r4-core" / "DiagnosticReport-example-pgx.json")
    assert ecg.rejections == pgx.rejections == []
    [ecg_document] = [e.payload for e in ecg.events if e.record_type is RecordType.DOCUMENT]
    [pgx_document] = [e.payload for e in pgx.events if e.record_type is RecordType.DOCUMENT]
    assert ecg_document["type"]["code"] == "1129261000000102"
    assert ecg_document["content_type"] == pgx_document["content_type"] == "application/pdf"
    assert ecg_document["data"].startswith(b"UK Core development team")
    assert pgx_document["header"]["source_record_id"].endswith("/presentedForm/0")
