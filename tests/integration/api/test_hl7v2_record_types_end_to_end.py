"""Problems, diagnoses, immunisations and documents from HL7 v2 end to end on the real stack: a
trust's PAS sends an admission with a DG1 diagnosis and a PPR^PC1 problem, its vaccination
system a VXU^V04, its document system MDM^T02 documents; the HL7 v2 adapter (``mcr produce hl7v2``'s) maps them, and they are published,
linked, screened and projected, and read by the hospital doctor through the record route and
the FHIR R4 API (every resource checked by tests/fhir_r4.py)."""

from __future__ import annotations

from typing import Any

from deploy.local import StackSettings
from producers.hl7v2 import events_from_hl7v2
from schemas.events import SourceEvent
from streams.identity.offline.sandbox import Sandbox
from tests.fhir_r4 import invalid
from tests.integration.api.conftest import access_token
from tests.integration.api.live_pipeline import call, publish
from tests.integration.projections.conftest import wait_until
from tests.unit.producers.hl7v2.builders import (
    SMALL_PDF,
    message,
    msh,
    pid,
    segment,
    uk_admission,
    uk_discharge_summary,
)

ORG = "RC9"  # the demo hospital doctor's trust: the admission makes it hold the record
DOCTOR = "demo-hospital-doctor"


def _mapped(*texts: str) -> list[SourceEvent]:
    events: list[SourceEvent] = []
    for text in texts:
        result = events_from_hl7v2(text, org=ORG, source_system="Medway PAS")
        assert result.rejections == [] and result.skipped == {}
        events.extend(result.events)
    return events


def _admission_with_diagnosis() -> str:
    """The synthetic Luton A01 with a final ICD-10 diagnosis of its visit."""
    dg1 = segment("DG1", {1: "1", 3: "I21.9^Acute myocardial infarction^I10",
                          5: "20240612101500", 6: "F"})  # fmt: skip
    return uk_admission().rstrip("\r") + "\r" + dg1 + "\r"


def _problem() -> str:
    prb = segment("PRB", {1: "AD", 2: "20240612093000", 3: "44054006^Type 2 diabetes^SCT",
                          4: "PRB-0042", 13: "C", 14: "active", 16: "20190502"})  # fmt: skip
    return message(msh("PPR^PC1^PPR_PC1", "PRB0001"), pid(), prb)


def _vaccinations() -> str:
    orc = segment("ORC", {1: "RE", 3: "IMM-5521"})
    rxa = segment("RXA", {1: "0", 2: "1", 3: "20231012101500",
                          5: "39114911000001105^Influenza vaccine^DMD",
                          9: "00^New immunization record^NIP001", 11: "^^^RC9",
                          15: "FLU-2023-118", 20: "CP"})  # fmt: skip
    rxr = segment("RXR", {1: "78421000^Intramuscular^SCT", 2: "LD^Left deltoid^HL70163"})
    refused = segment("RXA", {1: "0", 2: "1", 3: "20240105",
                              5: "39115611000001103^Pneumococcal vaccine^DMD", 20: "RE"})  # fmt: skip
    return message(msh("VXU^V04^VXU_V04", "VXU0001"), pid(), orc, rxa, rxr,
                   segment("ORC", {1: "RE", 3: "IMM-5522"}), refused)  # fmt: skip


def _person_with(base: str, token: str, section: str, count: int) -> str | None:
    answer = call(f"{base}/api/patients?family_name=SMITH&birth_date=1980-02-29", token)
    for person in answer.json().get("persons", []) if answer.status_code == 200 else []:
        record = call(f"{base}/api/persons/{person['person_id']}/record", token)
        if record.status_code == 200 and record.json()[section]["total"] == count:
            return str(person["person_id"])
    return None


def _arrived(base: str, token: str, section: str, count: int) -> str:
    found: list[str] = []

    def arrived() -> bool:
        found.append(_person_with(base, token, section, count) or "")
        return bool(found[-1])

    wait_until(arrived, 90, f"{count} item(s) in {section}")
    return found[-1]


def _fhir(base: str, token: str, path: str) -> dict[str, Any]:
    answer = call(f"{base}/fhir/R4/{path}", token)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert invalid(body) == []
    return body


def _matches(searchset: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]


def test_an_hl7v2_diagnosis_and_problem_reach_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox, service_url: str, stack: StackSettings
) -> None:
    """DG1 (ADT^A01) and PRB (PPR^PC1) -> two problems -> FHIR Condition search."""
    publish(streams_sandbox, *_mapped(_admission_with_diagnosis(), _problem()))
    token = access_token(stack, DOCTOR)
    person = _arrived(service_url, token, "problems", 2)
    record = call(f"{service_url}/api/persons/{person}/record", token).json()
    problems = {i["condition"]["code"]["code"]: i["condition"] for i in record["problems"]["items"]}
    assert (problems["I21.9"]["category"], problems["I21.9"]["verification_status"]) == (
        "DIAGNOSIS", "CONFIRMED")  # fmt: skip
    assert (problems["44054006"]["category"], problems["44054006"]["clinical_status"]) == (
        "PROBLEM", "ACTIVE")  # fmt: skip

    conditions = _matches(_fhir(service_url, token, f"Condition?patient=Patient/{person}"))
    categories = sorted(c["category"][0]["coding"][0]["code"] for c in conditions)
    assert categories == ["encounter-diagnosis", "problem-list-item"]
    assert {c["meta"]["source"] for c in conditions} == {
        f"https://fhir.nhs.uk/Id/ods-organization-code|{ORG}"
    }


def test_an_hl7v2_vaccination_record_reaches_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox, service_url: str, stack: StackSettings
) -> None:
    """VXU^V04 with a given and a refused dose -> two immunisations -> FHIR Immunization."""
    publish(streams_sandbox, *_mapped(uk_admission(), _vaccinations()))
    token = access_token(stack, DOCTOR)
    person = _arrived(service_url, token, "immunisations", 2)
    record = call(f"{service_url}/api/persons/{person}/record", token).json()
    given = {i["immunisation"]["status"]: i["immunisation"]
             for i in record["immunisations"]["items"]}  # fmt: skip
    assert sorted(given) == ["COMPLETED", "NOT_DONE"]
    assert (given["COMPLETED"]["lot_number"], given["COMPLETED"]["route"]) == (
        "FLU-2023-118", "Intramuscular")  # fmt: skip

    resources = _matches(_fhir(service_url, token, f"Immunization?patient=Patient/{person}"))
    assert sorted(r["status"] for r in resources) == ["completed", "not-done"]
    done = next(r for r in resources if r["status"] == "completed")
    assert done["performer"][0]["actor"]["identifier"]["value"] == ORG
    assert _fhir(service_url, token, f"Immunization/{done['id']}") == done


SOURCE_COPY = "https://documents.example.nhs.uk/RC9/DOC-0002.pdf"
SENSITIVE_TYPE = "714812005"  # SNOMED CT induced termination of pregnancy: on the code lists


def _documents() -> list[str]:
    """A discharge summary attached as a PDF, a clinic letter kept at the source (RP) and,
    sent first, a procedure note typed with a sensitive code and no label."""
    pointer = segment("OBX", {1: "1", 2: "RP", 3: "CLINLET^Clinic letter^L",
                              5: f"{SOURCE_COPY}^RC9^AP^PDF", 11: "F"})  # fmt: skip
    sensitive = f"{SENSITIVE_TYPE}^Procedure note^SCT"
    return [
        uk_discharge_summary(control_id="MDM0000", f2=sensitive, f12="DOC-0000"),
        uk_discharge_summary(control_id="MDM0001"),
        uk_discharge_summary(pointer, control_id="MDM0002", f2="CN", f12="DOC-0002"),
    ]


def test_hl7v2_documents_reach_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox, service_url: str, stack: StackSettings
) -> None:
    """MDM^T02 x3 -> the attached PDF and the link at the source are in the record and FHIR
    DocumentReference; the document typed with a sensitive code (no label) is in neither."""
    publish(streams_sandbox, *_mapped(uk_admission(), *_documents()))
    token = access_token(stack, DOCTOR)
    person = _arrived(service_url, token, "documents", 2)
    record = call(f"{service_url}/api/persons/{person}/record", token).json()
    found = {i["document"]["type"]["code"]: i["document"] for i in record["documents"]["items"]}
    assert sorted(found) == ["11488-4", "18842-5"]
    attached, linked = found["18842-5"], found["11488-4"]
    assert (attached["content_type"], attached["size"]) == ("application/pdf", len(SMALL_PDF))
    assert (linked["url"], linked.get("data")) == (SOURCE_COPY, None)
    assert SENSITIVE_TYPE not in str(record)

    resources = _matches(_fhir(service_url, token, f"DocumentReference?patient=Patient/{person}"))
    assert sorted(r["type"]["coding"][0]["code"] for r in resources) == ["11488-4", "18842-5"]
    urls = {r["content"][0]["attachment"].get("url") for r in resources}
    assert SOURCE_COPY in urls
    everything = _fhir(service_url, token, f"Patient/{person}/$everything")
    assert SENSITIVE_TYPE not in str(everything)
