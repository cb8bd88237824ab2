"""Synthetic FHIR resources with sensible defaults, for the FHIR adapter's unit tests.

Every person here is invented; NHS numbers are from the 999 test range.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from producers.fhir import events_from_fhir
from producers.model import AdapterResult

ORG = "RXX01"
SYSTEM = "test-pas"
RECEIVED = datetime(2025, 1, 1, tzinfo=UTC)
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
STATUS_URL = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
)
VALID_NHS = "9990000018"
INVALID_NHS = "9990000017"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
LAB = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "laboratory",
        }
    ]
}


def run(document: dict[str, Any], **kwargs: Any) -> AdapterResult:
    """The adapter with the test org and system."""
    return events_from_fhir(document, org=ORG, source_system=SYSTEM, **kwargs)


def nhs_identifier(number: str = VALID_NHS, status: str | None = "01") -> dict[str, Any]:
    identifier: dict[str, Any] = {"system": NHS_SYSTEM, "value": number}
    if status is not None:
        concept = {"coding": [{"code": status}]}
        identifier["extension"] = [{"url": STATUS_URL, "valueCodeableConcept": concept}]
    return identifier


def patient(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "pat-1",
        "meta": {"versionId": "3", "lastUpdated": "2024-05-01T10:00:00Z"},
        "identifier": [nhs_identifier()],
        "name": [{"use": "official", "family": "Testperson", "given": ["Alex", "Sam"]}],
        "gender": "female",
        "birthDate": "1980-02-29",
    }
    resource.update(fields)
    return resource


def lab_observation(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "obs-1",
        "status": "final",
        "category": [LAB],
        "code": {"coding": [{"system": LOINC, "code": "2823-3", "display": "Potassium"}]},
        "subject": {"reference": "Patient/pat-1"},
        "effectiveDateTime": "2024-05-01T09:30:00+01:00",
        "issued": "2024-05-01T12:00:00Z",
        "valueQuantity": {
            "value": 4.2,
            "unit": "mmol/L",
            "system": "http://unitsofmeasure.org",
            "code": "mmol/L",
        },
    }
    resource.update(fields)
    return resource


def blood_pressure(**fields: Any) -> dict[str, Any]:
    """A vital-signs blood pressure: no value of its own, systolic and diastolic components."""
    mmhg = {"unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
    resource = lab_observation(
        id="bp-1",
        category=[{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs"}]}],
        code={"coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure"}]},
        component=[
            {"code": {"coding": [{"system": LOINC, "code": "8480-6", "display": "Systolic"}]},
             "valueQuantity": {"value": 142, **mmhg}},
            {"code": {"coding": [{"system": LOINC, "code": "8462-4", "display": "Diastolic"}]},
             "valueQuantity": {"value": 88, **mmhg}},
        ],
    )  # fmt: skip
    del resource["valueQuantity"]
    resource.update(fields)
    return resource


def medication_request(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": "mr-1",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [
                {"system": "https://dmd.nhs.uk", "code": "39732411000001106", "display": "Amox"}
            ]
        },
        "subject": {"reference": "Patient/pat-1"},
        "authoredOn": "2024-03-02T10:00:00Z",
    }
    resource.update(fields)
    return resource


def encounter(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": "enc-1",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/pat-1"},
        "period": {"start": "2024-04-01T09:00:00Z", "end": "2024-04-01T09:20:00Z"},
    }
    resource.update(fields)
    return resource


def condition(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": "cond-1",
        "meta": {"lastUpdated": "2024-04-02T10:00:00Z"},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": SNOMED, "code": "38341003", "display": "Hypertension"}]},
        "subject": {"reference": "Patient/pat-1"},
        "onsetDateTime": "2019-05-27T09:51:38+01:00",
        "recordedDate": "2019-05-28T10:00:00Z",
    }
    resource.update(fields)
    return resource


def allergy(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": "alg-1",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "verificationStatus": {"coding": [{"code": "confirmed"}]},
        "type": "allergy",
        "category": ["medication"],
        "criticality": "high",
        "code": {
            "coding": [{"system": SNOMED, "code": "91936005", "display": "Allergy to penicillin"}]
        },
        "patient": {"reference": "Patient/pat-1"},
        "onsetDateTime": "2001-07-01",
        "recordedDate": "2019-05-28T10:00:00Z",
        "reaction": [
            {
                "manifestation": [
                    {"coding": [{"system": SNOMED, "code": "271807003", "display": "Rash"}]},
                    {"text": "felt unwell"},
                ],
                "severity": "mild",
            },
            {
                "manifestation": [{"coding": [{"system": SNOMED, "code": "39579001"}]}],
                "severity": "severe",
            },
        ],
    }
    resource.update(fields)
    return resource


def immunization(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "id": "imm-1",
        "status": "completed",
        "vaccineCode": {
            "coding": [
                {"system": "http://hl7.org/fhir/sid/cvx", "code": "140", "display": "Influenza"},
                {"system": SNOMED, "code": "1181000221105", "display": "Influenza vaccine"},
            ]
        },
        "patient": {"reference": "Patient/pat-1"},
        "occurrenceDateTime": "2023-10-12T10:30:00+01:00",
        "recorded": "2023-10-12T11:00:00Z",
        "primarySource": True,
        "lotNumber": "FLU-123",
        "site": {"text": "Left upper arm"},
        "route": {"coding": [{"code": "IM", "display": "Intramuscular"}]},
        "protocolApplied": [{"doseNumberPositiveInt": 2}],
        "performer": [
            {
                "actor": {
                    "identifier": {
                        "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                        "value": "A81001",
                    }
                }
            }
        ],
    }
    resource.update(fields)
    return resource


def procedure(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": "proc-1",
        "status": "completed",
        "code": {
            "coding": [
                {"system": "urn:oid:local", "code": "APPX", "display": "Appendix out"},
                {"system": SNOMED, "code": "80146002", "display": "Appendicectomy"},
            ]
        },
        "subject": {"reference": "Patient/pat-1"},
        "performedPeriod": {"start": "2024-03-01T09:30:00Z", "end": "2024-03-01T10:15:00Z"},
        "bodySite": [{"text": "Appendix"}],
        "outcome": {"text": "Successful"},
        "reasonCode": [
            {"coding": [{"system": SNOMED, "code": "74400008", "display": "Appendicitis"}]}
        ],
        "performer": [
            {
                "actor": {
                    "identifier": {
                        "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                        "value": "RC9",
                    }
                }
            }
        ],
        "meta": {"lastUpdated": "2024-03-01T11:00:00Z"},
    }
    resource.update(fields)
    return resource


def document_reference(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": "doc-1",
        "status": "current",
        "type": {"coding": [{"system": LOINC, "code": "18842-5", "display": "Discharge summary"}]},
        "subject": {"reference": "Patient/pat-1"},
        "date": "2024-03-02T16:00:00Z",
        "description": "Discharge summary after appendicectomy",
        "author": [{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                   "value": "RC9"}}],
        "content": [{"attachment": {"contentType": "application/pdf",
                                    "url": "https://documents.example.nhs.uk/RC9/ds-1.pdf",
                                    "title": "Discharge summary", "size": 48213}}],
        "meta": {"lastUpdated": "2024-03-02T16:05:00Z"},
    }  # fmt: skip
    resource.update(fields)
    return resource


def consent(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": "cons-1",
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "patient": {"reference": "Patient/pat-1"},
        "dateTime": "2024-02-01T08:00:00Z",
        "provision": {"type": "permit"},
    }
    resource.update(fields)
    return resource


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    """A Bundle whose entries have urn:uuid fullUrls derived from their position."""
    entries = [
        {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{index:012d}", "resource": resource}
        for index, resource in enumerate(resources)
    ]
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


NOTE_TEXT = b"Patient is a 45 year-old male.\n# Assessment and Plan\nContinue current treatment.\n"


def diagnostic_report(**fields: Any) -> dict[str, Any]:
    """A clinical note as Synthea writes one (a DiagnosticReport whose presentedForm is the
    note's text, base64) at an encounter; ``fields`` replace top-level elements."""
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": "note-1",
        "status": "final",
        "category": [{"coding": [{"system": LOINC, "code": "34117-2",
                                  "display": "History and physical note"}]}],
        "code": {"coding": [{"system": LOINC, "code": "34117-2",
                             "display": "History and physical note"}]},
        "subject": {"reference": "Patient/pat-1"},
        "effectiveDateTime": "2024-03-02T10:00:00+00:00",
        "issued": "2024-03-02T10:00:00.123+00:00",
        "performer": [{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                      "value": "RC9"}, "display": "Luton hospital"}],
        "presentedForm": [{"contentType": "text/plain; charset=utf-8",
                           "data": base64.b64encode(NOTE_TEXT).decode()}],
    }  # fmt: skip
    resource.update(fields)
    return resource
