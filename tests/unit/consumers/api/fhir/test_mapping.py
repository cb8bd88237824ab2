"""The record -> FHIR R4 mapping: each resource type's fields, reversible item ids, and every
resource valid against the R4 models (tests/fhir_r4.py)."""

from __future__ import annotations

from typing import Any

import pytest

from consumers.api.access import item_body
from consumers.api.fhir import mapping
from consumers.api.fhir.capability import capability_statement
from consumers.api.fhir.search import operation_outcome, searchset
from projections.record.ids import item_id
from tests.fhir_r4 import hapi_problems, invalid
from tests.unit.consumers.api.builders import NHS_A, PERSON_A, item_hit

NAMES = {"RC9": "Luton and Dunstable Hospital", "E81001": "Example GP Practice"}


def item(record_type: str, **content: Any) -> dict[str, Any]:
    """An item as the record routes serve it, with ``content`` over the builder's."""
    hit = item_hit(record_type, "R/1 x", confidentiality=("R",))
    served = item_body(hit)
    served[record_type] = {**served[record_type], **content}
    return served


def demographics(**changes: Any) -> dict[str, Any]:
    """One organisation's demographics as the record serves them."""
    return {
        "org": "E81001", "source_system": "EMIS Web", "recorded_at": "2024-01-01T00:00:00.000Z",
        "confidentiality": [], "nhs_number": NHS_A, "nhs_number_status": "VERIFIED",
        "given_names": ["Alexa", "Jo"], "family_name": "Testwoman", "birth_date": "1970-01-01",
        "sex": "FEMALE", "postcode": "LU1 1AA", "address_lines": ["1 Example Street"],
        "phone": "01234 567890", "deceased_at": None, "registered_gp_practice": "E81001",
        "preferred_language": "pl", **changes,
    }  # fmt: skip


def test_observation_carries_the_value_range_flag_and_source() -> None:
    """A result is an Observation with its quantity, range, interpretation and organisation."""
    found = mapping.observation(
        item(
            "result",
            reference_low=11.5,
            reference_high=16.5,
            abnormal_flag="HIGH",
            issued_at="2024-03-01T10:00:00.000Z",
            performer_org="RC9",
        ),
        PERSON_A,
        NAMES,
    )
    assert found["id"] == "RC9.R.2F1.20x"
    assert found["status"] == "final"
    assert found["subject"] == {"reference": f"Patient/{PERSON_A}"}
    assert found["code"]["coding"] == [
        {"code": "718-7", "system": "http://loinc.org", "display": "Haemoglobin"}
    ]
    assert found["valueQuantity"] == {"value": 13.2, "unit": "g/dL",
                                      "system": "http://unitsofmeasure.org", "code": "g/dL"}  # fmt: skip
    assert found["referenceRange"][0]["low"]["value"] == 11.5
    assert found["interpretation"][0]["coding"][0]["code"] == "H"
    assert found["meta"]["source"] == "https://fhir.nhs.uk/Id/ods-organization-code|RC9"
    assert found["meta"]["security"][0]["code"] == "R"
    assert found["performer"] == [{"identifier": {"system": mapping.ODS_SYSTEM, "value": "RC9"},
                                   "display": "Luton and Dunstable Hospital"}]  # fmt: skip
    assert invalid(found) == []


@pytest.mark.parametrize(
    ("category", "code"),
    [(None, "laboratory"), ("LABORATORY", "laboratory"), ("VITAL_SIGNS", "vital-signs"),
     ("SOCIAL_HISTORY", "social-history"), ("SURVEY", "survey"), ("EXAM", "exam")],
)  # fmt: skip
def test_an_observation_has_its_category(category: str | None, code: str) -> None:
    """Vital signs and the other observations are served as Observations of their category;
    a result without one (held before result v2) is a laboratory one."""
    found = mapping.observation(item("result", category=category), PERSON_A, NAMES)
    assert [c["code"] for cat in found["category"] for c in cat["coding"]] == [code]
    assert found["category"][0]["coding"][0]["system"] == (
        "http://terminology.hl7.org/CodeSystem/observation-category")  # fmt: skip


def test_an_unknown_category_is_left_out() -> None:
    found = mapping.observation(item("result", category="OTHER"), PERSON_A, NAMES)
    assert "category" not in found and invalid(found) == []


def test_a_text_result_is_a_value_string() -> None:
    """A result without a quantity carries its text; an unknown flag is left out."""
    found = mapping.observation(
        item("result", value_quantity=None, value_text="positive", abnormal_flag="UNKNOWN"),
        PERSON_A,
        {},
    )
    assert found["valueString"] == "positive"
    assert "valueQuantity" not in found and "interpretation" not in found
    assert "display" not in found["performer"][0]
    assert invalid(found) == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [("ACTIVE", "active"), ("CANCELLED", "stopped"), ("ON_HOLD", "on-hold"),
     ("UNKNOWN", "unknown")],
)  # fmt: skip
def test_medication_statement_status(status: str, expected: str) -> None:
    """A medicine is a MedicationStatement whose status is an R4 code."""
    found = mapping.medication_statement(
        item(
            "medication",
            status=status,
            start_date="2024-01-05",
            dose_quantity=5.0,
            dose_unit="mg",
            route="oral",
            frequency="daily",
        ),
        PERSON_A,
        NAMES,
    )
    assert found["status"] == expected
    assert found["medicationCodeableConcept"]["coding"][0]["system"] == "https://dmd.nhs.uk"
    assert found["effectivePeriod"] == {"start": "2024-01-05"}
    assert found["dosage"][0]["text"] == "one daily"
    assert found["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 5.0
    assert invalid(found) == []


@pytest.mark.parametrize(
    ("klass", "code"),
    [("INPATIENT", "IMP"), ("OUTPATIENT", "AMB"), ("EMERGENCY", "EMER"), ("OTHER", "OTH")],
)
def test_encounter_class_and_period(klass: str, code: str) -> None:
    """An encounter is an Encounter with an ActCode class (OTHER: the null flavour)."""
    found = mapping.encounter(
        item(
            "encounter",
            encounter_class=klass,
            period_start="2024-03-01T09:00:00.000Z",
            reason={"system": "SNOMED", "code": "29857009", "display": "Chest pain"},
            location="Ward 3",
        ),
        PERSON_A,
        NAMES,
    )
    assert found["class"]["code"] == code
    assert found["status"] == "finished"
    assert found["period"] == {"start": "2024-03-01T09:00:00.000Z"}
    assert found["reasonCode"][0]["coding"][0]["system"] == "http://snomed.info/sct"
    assert found["serviceProvider"]["display"] == "Luton and Dunstable Hospital"
    assert invalid(found) == []


def test_condition_statuses_category_and_dates() -> None:
    """A problem is a Condition with R4 status codes; the organisation is meta.source."""
    found = mapping.condition(item("condition"), PERSON_A, NAMES)
    assert found["clinicalStatus"]["coding"][0]["code"] == "active"
    assert found["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert found["category"][0]["coding"][0]["code"] == "problem-list-item"
    assert (found["onsetDateTime"], found["subject"]) == (
        "2019-05-02",
        {"reference": f"Patient/{PERSON_A}"},
    )
    assert found["meta"]["source"] == "https://fhir.nhs.uk/Id/ods-organization-code|RC9"
    assert found["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "38341003",
        "display": "Hypertension",
    }


@pytest.mark.parametrize(
    ("content", "present", "absent"),
    [
        ({"clinical_status": "UNKNOWN"}, [], ["clinicalStatus", "category"]),
        ({"abatement_date": "2021-01-03"}, ["clinicalStatus"], ["abatementDateTime"]),
        ({"clinical_status": "RESOLVED", "abatement_date": "2021-01-03"},
         ["abatementDateTime"], []),
        ({"category": "DIAGNOSIS", "clinical_status": "UNKNOWN"}, ["category"], ["clinicalStatus"]),
    ],
)  # fmt: skip
def test_condition_keeps_the_r4_invariants(
    content: dict[str, Any], present: list[str], absent: list[str]
) -> None:
    """con-3 (a problem-list item has a status) and con-4 (only an abated status has an
    abatement) hold whatever the record holds."""
    found = mapping.condition(item("condition", **content), PERSON_A, NAMES)
    assert all(name in found for name in present)
    assert not any(name in found for name in absent)


def test_allergy_intolerance_codes_and_reaction() -> None:
    """An allergy is an AllergyIntolerance with R4 codes, its patient and one reaction."""
    found = mapping.allergy_intolerance(item("allergy"), PERSON_A, NAMES)
    assert (found["type"], found["category"], found["criticality"]) == (
        "allergy", ["medication"], "unable-to-assess")  # fmt: skip
    assert found["clinicalStatus"]["coding"][0]["code"] == "active"
    assert found["patient"] == {"reference": f"Patient/{PERSON_A}"}
    assert found["reaction"] == [{"manifestation": [{"coding": [{
        "system": "http://snomed.info/sct", "code": "271807003", "display": "Rash"}],
        "text": "Rash"}], "severity": "moderate"}]  # fmt: skip


def test_an_allergy_of_unknown_status_is_served_as_active() -> None:
    """R4 wants a clinical status (ait-1): unknown is served as active, the safe reading."""
    found = mapping.allergy_intolerance(item("allergy", clinical_status="UNKNOWN",
                                             criticality="UNKNOWN"), PERSON_A, NAMES)  # fmt: skip
    assert found["clinicalStatus"]["coding"][0]["code"] == "active"
    assert "criticality" not in found


def test_immunization_vaccine_dose_and_performer() -> None:
    """An immunisation is an Immunization naming the performing organisation from the
    registry and the dose number."""
    found = mapping.immunization(item("immunisation"), PERSON_A, NAMES)
    assert (found["status"], found["occurrenceDateTime"], found["lotNumber"]) == (
        "completed", "2023-10-12", "FLU-123")  # fmt: skip
    assert found["performer"] == [{"actor": {"identifier": {
        "system": mapping.ODS_SYSTEM, "value": "E81001"}, "display": "Example GP Practice"}}]  # fmt: skip
    assert found["protocolApplied"] == [{"doseNumberPositiveInt": 1}]
    assert found["patient"] == {"reference": f"Patient/{PERSON_A}"}


def test_procedure_period_reasons_and_performer() -> None:
    """A procedure is a Procedure with its period, reasons, site, outcome and the performing
    organisation; only a start is a performedDateTime."""
    found = mapping.procedure(item("procedure"), PERSON_A, NAMES)
    assert (found["status"], found["performedPeriod"]) == ("completed", {
        "start": "2024-03-01T09:30:00.000Z", "end": "2024-03-01T10:15:00.000Z"})  # fmt: skip
    assert found["reasonCode"][0]["coding"][0]["code"] == "74400008"
    assert (found["bodySite"], found["outcome"]) == ([{"text": "Appendix"}], {"text": "Successful"})
    assert found["performer"] == [{"actor": {"identifier": {
        "system": mapping.ODS_SYSTEM, "value": "RC9"}, "display": "Luton and Dunstable Hospital"}}]  # fmt: skip
    assert found["subject"] == {"reference": f"Patient/{PERSON_A}"}
    started = mapping.procedure(item("procedure", performed_end=None), PERSON_A, NAMES)
    assert "performedPeriod" not in started
    assert started["performedDateTime"] == "2024-03-01T09:30:00.000Z"


def test_document_reference_at_the_source_or_attached() -> None:
    """A document is a DocumentReference naming its author organisation, with the URL where
    the source keeps it, or, attached, the relative URL of its Binary: never the bytes."""
    found = mapping.document_reference(item("document"), PERSON_A, NAMES)
    assert (found["status"], found["date"], found["description"]) == (
        "current", "2024-03-02T16:00:00.000Z", "Discharge summary")  # fmt: skip
    assert found["content"] == [{"attachment": {
        "contentType": "application/pdf", "url": "https://documents.example.nhs.uk/RC9/ds-1.pdf",
        "size": 48213, "title": "Discharge summary"}}]  # fmt: skip
    assert found["author"][0]["identifier"]["value"] == "RC9"
    attached = mapping.document_reference(
        item("document", url=None, data="U2VlbiB0b2RheS4=", content_type="text/plain", size=11),
        PERSON_A, NAMES)  # fmt: skip
    assert attached["content"][0]["attachment"] == {
        "contentType": "text/plain", "url": f"Binary/{attached['id']}", "size": 11,
        "title": "Discharge summary"}  # fmt: skip


def test_binary_is_the_bytes_base64_under_the_document_id() -> None:
    assert mapping.binary("RC9.R1", "text/plain", b"Seen today.") == {
        "resourceType": "Binary", "id": "RC9.R1", "contentType": "text/plain",
        "data": "U2VlbiB0b2RheS4=",
    }  # fmt: skip


def test_patient_from_the_newest_demographics_with_every_nhs_number_once() -> None:
    """The Patient is the newest organisation's view; NHS numbers are not repeated."""
    older = demographics(org="RC9", family_name="Oldname")
    found = mapping.patient(PERSON_A, [demographics(), older], NAMES)
    assert found["id"] == PERSON_A
    assert found["identifier"] == [{"system": mapping.NHS_NUMBER_SYSTEM, "value": NHS_A}]
    assert found["name"] == [{"use": "official", "family": "Testwoman", "given": ["Alexa", "Jo"]}]
    assert found["gender"] == "female"
    assert found["birthDate"] == "1970-01-01"
    assert found["address"] == [{"line": ["1 Example Street"], "postalCode": "LU1 1AA"}]
    assert found["generalPractitioner"][0]["display"] == "Example GP Practice"
    assert found["meta"]["source"].endswith("|E81001")
    assert invalid(found) == []


def test_hidden_contact_details_are_left_out() -> None:
    """Contact details the record hides (None) give no address or telecom at all."""
    hidden = demographics(postcode=None, address_lines=None, phone=None)
    found = mapping.patient(PERSON_A, [hidden], {})
    assert "address" not in found and "telecom" not in found
    assert invalid(found) == []


@pytest.mark.parametrize("record_id", ["R1", "a.b", "x|y", "ü-1", "12345678-1234-1234-1234-1234"])
def test_item_ids_are_fhir_ids_and_reversible(record_id: str) -> None:
    """An item's FHIR id is a valid id that leads back to its document id."""
    fhir_id = mapping.fhir_item_id("RC9", record_id)
    assert invalid({"resourceType": "Basic", "id": fhir_id, "code": {"text": "x"}}) == []
    doc_id = item_id(record_type="result", org="RC9", source_record_id=record_id)
    assert mapping.item_doc_id("result", fhir_id) == doc_id


@pytest.mark.parametrize("bad", ["RC9", "RC9.", ".R1", "RC9.R.Z1", "RC9.R.F", "a_b.c", "RC9.R.FF"])
def test_what_is_not_an_item_id_leads_nowhere(bad: str) -> None:
    """Ids this API never issued are no document (None), never an error."""
    assert mapping.item_doc_id("result", bad) is None


def test_a_searchset_of_every_kind_and_an_outcome_is_valid() -> None:
    """A Bundle of each resource type with a kept-back outcome passes the R4 models."""
    resources = [
        mapping.patient(PERSON_A, [demographics()], NAMES),
        mapping.observation(item("result"), PERSON_A, NAMES),
        mapping.observation(item("result", category="VITAL_SIGNS"), PERSON_A, NAMES),
        mapping.medication_statement(item("medication"), PERSON_A, NAMES),
        mapping.encounter(item("encounter"), PERSON_A, NAMES),
        mapping.allergy_intolerance(item("allergy"), PERSON_A, NAMES),
        mapping.allergy_intolerance(
            item(
                "allergy",
                clinical_status="UNKNOWN",
                reactions=[],
                allergy_type="UNKNOWN",
                categories=[],
            ),
            PERSON_A,
            NAMES,
        ),
        mapping.immunization(item("immunisation"), PERSON_A, NAMES),
        mapping.immunization(
            item(
                "immunisation",
                status="NOT_DONE",
                dose_number=None,
                performer_org=None,
                site=None,
                route=None,
                lot_number=None,
                primary_source=False,
            ),
            PERSON_A,
            NAMES,
        ),
        mapping.procedure(item("procedure"), PERSON_A, NAMES),
        mapping.procedure(
            item(
                "procedure",
                status="NOT_DONE",
                performed_start=None,
                performed_end=None,
                body_site=None,
                outcome=None,
                reasons=[],
                performer_org=None,
            ),
            PERSON_A,
            NAMES,
        ),
        mapping.document_reference(item("document"), PERSON_A, NAMES),
        mapping.document_reference(
            item(
                "document",
                status="SUPERSEDED",
                url=None,
                data="U2VlbiB0b2RheS4=",
                content_type="text/plain",
                size=11,
                author_org=None,
                description=None,
                title=None,
            ),
            PERSON_A,
            NAMES,
        ),
        mapping.condition(item("condition"), PERSON_A, NAMES),
        mapping.condition(
            item(
                "condition",
                clinical_status="RESOLVED",
                abatement_date="2021-01-03",
                severity="mild",
            ),
            PERSON_A,
            NAMES,
        ),
    ]
    note = operation_outcome(200, "1 item(s) are not shown", severity="information")
    bundle = searchset("http://h/fhir/R4", "http://h/fhir/R4/x", resources, total=4,
                       next_url="http://h/fhir/R4/x?_page_token=abc", outcome=note)  # fmt: skip
    assert [link["relation"] for link in bundle["link"]] == ["self", "next"]
    assert bundle["entry"][-1]["search"] == {"mode": "outcome"}
    assert invalid(bundle) == []


def test_the_validator_refuses_what_r4_forbids() -> None:
    """The check can fail: a misspelt element, a missing status, a bad code are caught."""
    good = mapping.observation(item("result"), PERSON_A, NAMES)
    assert invalid({**good, "valueQuantiti": {"value": 1}})
    assert invalid({k: v for k, v in good.items() if k != "status"})
    assert invalid({**good, "status": "done"})


def test_capability_statement_lists_what_is_served() -> None:
    """The CapabilityStatement names every resource served and is valid R4."""
    found = capability_statement(base="http://h/fhir/R4", version="v1", date="2025-03-01")
    types = [r["type"] for r in found["rest"][0]["resource"]]
    assert types == ["Patient", "Observation", "MedicationStatement", "Encounter", "Condition",
                     "AllergyIntolerance", "Immunization", "Procedure", "DocumentReference",
                     "Binary"]  # fmt: skip
    assert found["rest"][0]["resource"][0]["operation"][0]["name"] == "everything"
    assert invalid(found) == []


def test_hapis_r4_check_refuses_what_r4_forbids_on_its_own() -> None:
    """HAPI's strict R4 parser and the R4 XSDs each catch a misspelt element, a code outside
    a required binding and a missing required element, and pass the mapped resource."""
    good = mapping.observation(item("result"), PERSON_A, NAMES)
    assert hapi_problems(good) == []
    assert hapi_problems({**good, "valueQuantiti": {"value": 1}})
    assert hapi_problems({**good, "status": "done"})
    assert hapi_problems({k: v for k, v in good.items() if k != "status"})
    assert hapi_problems({**good, "effectiveDateTime": "2024-13-01"})
