"""FHIR XML -> FHIR JSON shape: arrays, numbers, booleans, primitive extensions, resources."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from producers.fhir import FhirXmlError, parse_fhir_xml

PATIENT_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">Jo Bloggs, born 2021</div></text>
  <!-- a comment -->
  <identifier>
    <extension url="https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus">
      <valueCodeableConcept><coding><code value="01"/></coding></valueCodeableConcept>
    </extension>
    <system value="https://fhir.nhs.uk/Id/nhs-number"/>
    <value value="9990000018"/>
  </identifier>
  <active value="true"/>
  <name id="n1"><use value="official"/><family value="Bloggs"/><given value="Jo"/><given value="Ann"/></name>
  <birthDate value="2021-02-11">
    <extension url="http://hl7.org/fhir/StructureDefinition/patient-birthTime">
      <valueDateTime value="2021-02-11T15:39:00+00:00"/>
    </extension>
  </birthDate>
  <address><line value="1 Road"/><postalCode value="01344"/></address>
  <multipleBirthInteger value="2"/>
  <contact><name><family value="Other"/></name></contact>
</Patient>"""


def test_patient_shape() -> None:
    """Repeating elements are arrays, singles are objects, numbers and booleans are typed,
    a primitive's extension goes to ``_birthDate`` and the narrative div is dropped."""
    assert parse_fhir_xml(PATIENT_XML) == {
        "resourceType": "Patient",
        "id": "p1",
        "text": {"status": "generated"},
        "identifier": [
            {
                "extension": [
                    {
                        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
                        "valueCodeableConcept": {"coding": [{"code": "01"}]},
                    }
                ],
                "system": "https://fhir.nhs.uk/Id/nhs-number",
                "value": "9990000018",
            }
        ],
        "active": True,
        "name": [{"id": "n1", "use": "official", "family": "Bloggs", "given": ["Jo", "Ann"]}],
        "birthDate": "2021-02-11",
        "_birthDate": {
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                    "valueDateTime": "2021-02-11T15:39:00+00:00",
                }
            ]
        },
        "address": [{"line": ["1 Road"], "postalCode": "01344"}],
        "multipleBirthInteger": 2,
        "contact": [{"name": {"family": "Other"}}],
    }


def test_bundle_entries_and_contained_resources_are_unwrapped() -> None:
    """entry.resource and contained hold resources with their resourceType; quantities are numbers."""
    text = """<Bundle xmlns='http://hl7.org/fhir'><type value='batch'/>
      <entry><fullUrl value="urn:uuid:1"/><resource><MedicationRequest>
        <contained><Medication><id value="m"/></Medication></contained>
        <dosageInstruction><timing><repeat><frequency value="3"/><period value="1"/><periodUnit value="d"/></repeat></timing>
          <doseAndRate><doseQuantity><value value="0.5"/><unit value="g"/></doseQuantity></doseAndRate>
        </dosageInstruction>
        <substitution><allowedBoolean value="false"/></substitution>
      </MedicationRequest></resource><request><method value='POST'/><url value='MedicationRequest'/></request></entry>
    </Bundle>"""
    assert parse_fhir_xml(text) == {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {
                    "resourceType": "MedicationRequest",
                    "contained": [{"resourceType": "Medication", "id": "m"}],
                    "dosageInstruction": [
                        {
                            "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
                            "doseAndRate": [{"doseQuantity": {"value": 0.5, "unit": "g"}}],
                        }
                    ],
                    "substitution": {"allowedBoolean": False},
                },
                "request": {"method": "POST", "url": "MedicationRequest"},
            }
        ],
    }


@pytest.mark.parametrize(
    ("parent_xml", "expected_key", "expected"),
    [
        (
            "<Observation xmlns='http://hl7.org/fhir'><category><text value='a'/></category></Observation>",
            "category",
            [{"text": "a"}],
        ),
        (
            "<MedicationStatement xmlns='http://hl7.org/fhir'><category><text value='a'/></category></MedicationStatement>",
            "category",
            {"text": "a"},
        ),
        (
            "<Encounter xmlns='http://hl7.org/fhir'><type><text value='a'/></type></Encounter>",
            "type",
            [{"text": "a"}],
        ),
        (
            "<Encounter xmlns='http://hl7.org/fhir'><location><location><display value='W'/></location></location></Encounter>",
            "location",
            [{"location": {"display": "W"}}],
        ),
        (
            "<Observation xmlns='http://hl7.org/fhir'><specimen><display value='s'/></specimen></Observation>",
            "specimen",
            {"display": "s"},
        ),
        (
            "<Observation xmlns='http://hl7.org/fhir'><performer><display value='p'/></performer></Observation>",
            "performer",
            [{"display": "p"}],
        ),
        (
            "<MedicationRequest xmlns='http://hl7.org/fhir'><performer><display value='p'/></performer></MedicationRequest>",
            "performer",
            {"display": "p"},
        ),
        (
            "<Observation xmlns='http://hl7.org/fhir'><subject><identifier><value value='1'/></identifier></subject></Observation>",
            "subject",
            {"identifier": {"value": "1"}},
        ),
        (
            "<Consent xmlns='http://hl7.org/fhir'><provision><code><text value='c'/></code><provision><type value='deny'/></provision></provision></Consent>",
            "provision",
            {"code": [{"text": "c"}], "provision": [{"type": "deny"}]},
        ),
        (
            "<Organization xmlns='http://hl7.org/fhir'><name value='Leeds'/></Organization>",
            "name",
            "Leeds",
        ),
        (
            "<Observation xmlns='http://hl7.org/fhir'><valueQuantity><value value='047'/></valueQuantity></Observation>",
            "valueQuantity",
            {"value": 47},
        ),
        (
            "<Patient xmlns='http://hl7.org/fhir'><identifier><value value='047'/></identifier></Patient>",
            "identifier",
            [{"value": "047"}],
        ),
    ],
)
def test_cardinality_and_types_depend_on_the_parent(
    parent_xml: str, expected_key: str, expected: object
) -> None:
    """The same element name is an array or an object, a number or a string, by its parent."""
    assert parse_fhir_xml(parent_xml)[expected_key] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "<!DOCTYPE x [<!ENTITY a 'b'>]><Patient xmlns='http://hl7.org/fhir'/>",
            "DTDs and entities are not allowed",
        ),
        ("<Patient xmlns='http://hl7.org/fhir'>", "not well-formed XML"),
        ("<Patient/>", "root is not a FHIR resource"),
        ("<name xmlns='http://hl7.org/fhir'/>", "root is not a FHIR resource"),
    ],
)
def test_unreadable_xml_is_refused(text: str, message: str) -> None:
    """DTDs, broken XML and non-FHIR roots raise FhirXmlError."""
    with pytest.raises(FhirXmlError, match=message):
        parse_fhir_xml(text)


def test_every_uk_core_example_parses(fixtures_dir: Path) -> None:
    """All 215 UK Core XML files convert, each to the resourceType of its root element."""
    files = sorted((fixtures_dir / "fhir" / "uk-core").glob("*.xml"))
    assert len(files) == 215
    for path in files:
        text = path.read_text(encoding="utf-8")
        root = ElementTree.fromstring(text)
        assert parse_fhir_xml(text)["resourceType"] == root.tag.split("}")[1], path.name


def test_byte_order_mark_is_ignored() -> None:
    """A leading UTF-8 byte order mark does not stop the parse."""
    assert parse_fhir_xml(
        "\ufeff<Patient xmlns='http://hl7.org/fhir'><id value='p'/></Patient>"
    ) == {
        "resourceType": "Patient",
        "id": "p",
    }
