"""The newer record types end to end on the real stack: a FHIR Bundle from a GP system is
mapped by the FHIR adapter (``mcr produce fhir``'s), published, linked and screened by the
streams worker (identity, consent), projected into the record, and read by the GP through the
record route and the FHIR R4 API (every resource checked by tests/fhir_r4.py)."""

from __future__ import annotations

import base64
from typing import Any

from deploy.local import StackSettings
from producers.fhir import events_from_fhir
from producers.hl7v2 import events_from_hl7v2
from streams.identity.offline.sandbox import Sandbox
from tests.fhir_r4 import invalid
from tests.integration.api.conftest import access_token
from tests.integration.api.live_pipeline import call, publish
from tests.integration.projections.conftest import wait_until
from tests.unit.producers.fhir.builders import (
    NOTE_TEXT,
    RECEIVED,
    allergy,
    blood_pressure,
    bundle,
    condition,
    diagnostic_report,
    document_reference,
    immunization,
    lab_observation,
    patient,
    procedure,
)
from tests.unit.producers.hl7v2.builders import message, msh, pid, segment

ORG = "E81001"  # the demo GP's practice: the GP holds the record


def _person_with(base: str, token: str, section: str, count: int) -> str | None:
    """The person id of the bundle's patient once ``section`` holds ``count`` items."""
    answer = call(f"{base}/api/patients?family_name=Testperson&birth_date=1980-02-29", token)
    for person in answer.json().get("persons", []) if answer.status_code == 200 else []:
        record = call(f"{base}/api/persons/{person['person_id']}/record", token)
        if record.status_code == 200 and record.json()[section]["total"] == count:
            return str(person["person_id"])
    return None


def _arrived(base: str, token: str, section: str, count: int, what: str) -> str:
    """The bundle's patient's person id, once ``section`` holds ``count`` items (90 s)."""
    found: list[str] = []

    def arrived() -> bool:
        person = _person_with(base, token, section, count)
        if person:
            found.append(person)
        return person is not None

    wait_until(arrived, 90, what)
    return found[-1]


def _fhir(base: str, token: str, path: str) -> dict[str, Any]:
    answer = call(f"{base}/fhir/R4/{path}", token)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert invalid(body) == []
    return body


def test_a_gp_condition_reaches_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox,
    service_url: str,
    stack: StackSettings,
) -> None:
    """Two Conditions (one resolved) -> the record's problems -> FHIR Condition search."""
    resolved = {"coding": [{"code": "resolved"}]}
    document = bundle(
        patient(),
        condition(),
        condition(id="cond-2", clinicalStatus=resolved, abatementDateTime="2021-01-03",
                  code={"coding": [{"system": "http://snomed.info/sct", "code": "195967001",
                                    "display": "Asthma"}]}),
    )  # fmt: skip
    mapped = events_from_fhir(document, org=ORG, source_system="EMIS Web", received_at=RECEIVED)
    assert mapped.rejections == [] and len(mapped.events) == 3
    publish(streams_sandbox, *mapped.events)
    token = access_token(stack)
    found = {"person": _arrived(service_url, token, "problems", 2, "the problems in the record")}
    record = call(f"{service_url}/api/persons/{found['person']}/record", token).json()
    problems = {i["condition"]["code"]["code"]: i["condition"] for i in record["problems"]["items"]}
    assert problems["38341003"]["clinical_status"] == "ACTIVE"
    assert problems["195967001"]["abatement_date"] == "2021-01-03"

    searchset = _fhir(service_url, token, f"Condition?patient=Patient/{found['person']}")
    conditions = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    assert sorted(c["clinicalStatus"]["coding"][0]["code"] for c in conditions) == [
        "active", "resolved"]  # fmt: skip
    assert {c["meta"]["source"] for c in conditions} == {
        f"https://fhir.nhs.uk/Id/ods-organization-code|{ORG}"
    }
    one = _fhir(service_url, token, f"Condition/{conditions[0]['id']}")
    assert one == conditions[0]
    everything = _fhir(service_url, token, f"Patient/{found['person']}/$everything")
    kinds = [e["resource"]["resourceType"] for e in everything["entry"]]
    assert kinds.count("Condition") == 2


def test_a_gp_allergy_reaches_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox,
    service_url: str,
    stack: StackSettings,
) -> None:
    """An AllergyIntolerance -> the record's allergies -> FHIR AllergyIntolerance search."""
    document = bundle(patient(), allergy())
    mapped = events_from_fhir(document, org=ORG, source_system="EMIS Web", received_at=RECEIVED)
    assert mapped.rejections == [] and len(mapped.events) == 2
    publish(streams_sandbox, *mapped.events)
    token = access_token(stack)
    found = {"person": _arrived(service_url, token, "allergies", 1, "the allergy in the record")}
    record = call(f"{service_url}/api/persons/{found['person']}/record", token).json()
    [served] = record["allergies"]["items"]
    assert (served["allergy"]["code"]["code"], served["allergy"]["reaction_severity"]) == (
        "91936005", "SEVERE")  # fmt: skip

    searchset = _fhir(service_url, token, f"AllergyIntolerance?patient={found['person']}")
    [resource] = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    assert (resource["criticality"], resource["category"]) == ("high", ["medication"])
    assert [r["severity"] for r in resource["reaction"]] == ["severe"]
    assert _fhir(service_url, token, f"AllergyIntolerance/{resource['id']}") == resource


def test_a_gp_immunisation_reaches_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox,
    service_url: str,
    stack: StackSettings,
) -> None:
    """Two Immunizations (one not done) -> the record's immunisations -> FHIR Immunization."""
    cvx = {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "140"}], "text": "Flu"}
    document = bundle(patient(), immunization(),
                      immunization(id="imm-2", status="not-done", vaccineCode=cvx))  # fmt: skip
    mapped = events_from_fhir(document, org=ORG, source_system="EMIS Web", received_at=RECEIVED)
    assert mapped.rejections == [] and len(mapped.events) == 3
    publish(streams_sandbox, *mapped.events)
    token = access_token(stack)
    found = {
        "person": _arrived(
            service_url, token, "immunisations", 2, "the immunisations in the record"
        )
    }
    record = call(f"{service_url}/api/persons/{found['person']}/record", token).json()
    statuses = sorted(i["immunisation"]["status"] for i in record["immunisations"]["items"])
    assert statuses == ["COMPLETED", "NOT_DONE"]

    searchset = _fhir(service_url, token, f"Immunization?patient=Patient/{found['person']}")
    resources = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    assert sorted(r["status"] for r in resources) == ["completed", "not-done"]
    given = next(r for r in resources if r["status"] == "completed")
    assert given["performer"][0]["actor"]["identifier"]["value"] == "A81001"
    assert _fhir(service_url, token, f"Immunization/{given['id']}") == given


def test_a_gp_procedure_reaches_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox,
    service_url: str,
    stack: StackSettings,
) -> None:
    """Two Procedures (one not done) -> the record's procedures -> FHIR Procedure."""
    document = bundle(patient(), procedure(),
                      procedure(id="proc-2", status="not-done", performedPeriod=None))  # fmt: skip
    mapped = events_from_fhir(document, org=ORG, source_system="EMIS Web", received_at=RECEIVED)
    assert mapped.rejections == [] and len(mapped.events) == 3
    publish(streams_sandbox, *mapped.events)
    token = access_token(stack)
    person = _arrived(service_url, token, "procedures", 2, "the procedures in the record")
    record = call(f"{service_url}/api/persons/{person}/record", token).json()
    statuses = sorted(i["procedure"]["status"] for i in record["procedures"]["items"])
    assert statuses == ["COMPLETED", "NOT_DONE"]

    searchset = _fhir(service_url, token, f"Procedure?patient=Patient/{person}")
    resources = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    assert sorted(r["status"] for r in resources) == ["completed", "not-done"]
    done = next(r for r in resources if r["status"] == "completed")
    assert done["performedPeriod"] == {"start": "2024-03-01T09:30:00.000Z",
                                       "end": "2024-03-01T10:15:00.000Z"}  # fmt: skip
    assert done["reasonCode"][0]["coding"][0]["code"] == "74400008"
    assert done["performer"][0]["actor"]["identifier"]["value"] == "RC9"
    assert done["meta"]["source"] == f"https://fhir.nhs.uk/Id/ods-organization-code|{ORG}"
    assert _fhir(service_url, token, f"Procedure/{done['id']}") == done


def test_vital_signs_and_a_survey_reach_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox,
    service_url: str,
    stack: StackSettings,
) -> None:
    """A blood pressure (two components) and a survey answer -> the record's results with
    their categories -> FHIR Observations of category vital-signs and survey."""
    survey = lab_observation(
        id="obs-survey", valueQuantity=None, valueCodeableConcept={"text": "Never smoker"},
        code={"coding": [{"system": "http://loinc.org", "code": "72166-2",
                          "display": "Tobacco smoking status"}]},
        category=[{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                               "observation-category", "code": "survey"}]}],
    )  # fmt: skip
    document = bundle(patient(), blood_pressure(), {k: v for k, v in survey.items() if v})
    mapped = events_from_fhir(document, org=ORG, source_system="EMIS Web", received_at=RECEIVED)
    assert mapped.rejections == [] and len(mapped.events) == 4
    publish(streams_sandbox, *mapped.events)
    token = access_token(stack)
    person = _arrived(service_url, token, "results", 3, "the observations in the record")
    record = call(f"{service_url}/api/persons/{person}/record", token).json()
    held = sorted((i["result"]["category"], i["result"]["code"]["code"])
                  for i in record["results"]["items"])  # fmt: skip
    assert held == [("SURVEY", "72166-2"), ("VITAL_SIGNS", "8462-4"), ("VITAL_SIGNS", "8480-6")]

    searchset = _fhir(service_url, token, f"Observation?patient=Patient/{person}")
    resources = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    categories = sorted(
        (r["category"][0]["coding"][0]["code"], r.get("valueQuantity", {}).get("value"))
        for r in resources
    )
    assert categories == [("survey", None), ("vital-signs", 88), ("vital-signs", 142)]
    systolic = next(r for r in resources if r.get("valueQuantity", {}).get("value") == 142)
    assert systolic["meta"]["source"] == f"https://fhir.nhs.uk/Id/ods-organization-code|{ORG}"
    assert _fhir(service_url, token, f"Observation/{systolic['id']}") == systolic


def test_documents_at_the_source_and_attached_reach_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox,
    service_url: str,
    stack: StackSettings,
) -> None:
    """A discharge summary kept at the hospital (a URL) and a letter attached inline -> the
    record's documents -> FHIR DocumentReference; the pages carry no bytes, the attachment's
    bytes come intact from the content route and from its Binary."""
    letter = b"Seen in clinic today. Plan: review in six weeks.\n"
    attached = document_reference(
        id="doc-2", content=[{"attachment": {
            "contentType": "text/plain", "title": "Clinic letter",
            "data": base64.b64encode(letter).decode()}}],
    )  # fmt: skip
    document = bundle(patient(), document_reference(), attached)
    mapped = events_from_fhir(document, org=ORG, source_system="EMIS Web", received_at=RECEIVED)
    assert mapped.rejections == [] and len(mapped.events) == 3
    publish(streams_sandbox, *mapped.events)
    token = access_token(stack)
    person = _arrived(service_url, token, "documents", 2, "the documents in the record")
    record = call(f"{service_url}/api/persons/{person}/record", token).json()
    held = {i["document"]["title"]: i["document"] for i in record["documents"]["items"]}
    assert held["Discharge summary"]["url"] == "https://documents.example.nhs.uk/RC9/ds-1.pdf"
    assert "data" not in held["Clinic letter"]
    content = call(f"{service_url}{held['Clinic letter']['content_url']}", token)
    assert (content.status_code, content.raw) == (200, letter)

    searchset = _fhir(service_url, token, f"DocumentReference?patient=Patient/{person}")
    resources = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    by_title = {r["content"][0]["attachment"]["title"]: r for r in resources}
    at_source = by_title["Discharge summary"]
    assert at_source["content"][0]["attachment"]["url"].startswith("https://documents.")
    assert at_source["author"][0]["identifier"]["value"] == "RC9"
    assert at_source["meta"]["source"] == f"https://fhir.nhs.uk/Id/ods-organization-code|{ORG}"
    inline = by_title["Clinic letter"]["content"][0]["attachment"]
    assert ("data" not in inline, inline["size"]) == (True, len(letter))
    assert call(f"{service_url}/fhir/R4/{inline['url']}", token).raw == letter
    assert _fhir(service_url, token, f"DocumentReference/{at_source['id']}") == at_source


def test_a_clinical_note_presented_by_a_report_reaches_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox,
    service_url: str,
    stack: StackSettings,
) -> None:
    """A DiagnosticReport presenting a clinical note (Synthea's way) -> one record document
    typed by the report's code, its text from the content route and FHIR Binary."""
    document = bundle(patient(), diagnostic_report())
    mapped = events_from_fhir(document, org=ORG, source_system="EMIS Web", received_at=RECEIVED)
    assert mapped.rejections == [] and len(mapped.events) == 2
    publish(streams_sandbox, *mapped.events)
    token = access_token(stack)
    person = _arrived(service_url, token, "documents", 1, "the note in the record")
    record = call(f"{service_url}/api/persons/{person}/record", token).json()
    [item] = record["documents"]["items"]
    assert item["source_record_id"] == "DiagnosticReport/note-1/presentedForm/0"
    assert item["document"]["type"]["code"] == "34117-2"
    assert call(f"{service_url}{item['document']['content_url']}", token).raw == NOTE_TEXT
    searchset = _fhir(service_url, token, f"DocumentReference?patient=Patient/{person}")
    [reference] = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    url = reference["content"][0]["attachment"]["url"]
    assert call(f"{service_url}/fhir/R4/{url}", token).raw == NOTE_TEXT


def test_an_hl7v2_procedure_reaches_the_record_and_the_fhir_api(
    streams_sandbox: Sandbox,
    service_url: str,
    stack: StackSettings,
) -> None:
    """An ADT A28 with a PR1 (OPCS-4) from the practice's system -> the record's procedures ->
    FHIR Procedure with its OPCS-4 code and ICD-10 reason."""
    text = message(
        msh("ADT^A28"), segment("EVN", {1: "A28"}),
        pid(f5="TESTPERSON^JANE", f7="19800229"),
        segment("PR1", {1: "1", 3: "H011^Emergency excision of appendix^OPCS4",
                        5: "20240301093000", 7: "45", 15: "K35.8^Acute appendicitis^I10"}),
    )  # fmt: skip
    mapped = events_from_hl7v2(text, org=ORG, source_system="EMIS Web")
    assert mapped.rejections == [] and len(mapped.events) == 2
    publish(streams_sandbox, *mapped.events)
    token = access_token(stack)
    person = _arrived(service_url, token, "procedures", 1, "the HL7 v2 procedure in the record")
    searchset = _fhir(service_url, token, f"Procedure?patient={person}")
    [done] = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    assert done["code"]["coding"][0] == {"system": "http://www.datadictionary.nhs.uk/opcs-4",
                                         "code": "H011",
                                         "display": "Emergency excision of appendix"}  # fmt: skip
    assert done["reasonCode"][0]["coding"][0]["code"] == "K35.8"
    assert done["performedPeriod"]["end"] == "2024-03-01T10:15:00.000Z"
