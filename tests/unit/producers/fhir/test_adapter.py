"""The entry point over whole documents: locations, skips, deletes, determinism, no PHI."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from producers.fhir import FhirDocumentError, events_from_fhir

from .builders import (
    INVALID_NHS,
    LAB,
    bundle,
    encounter,
    lab_observation,
    nhs_identifier,
    patient,
    run,
)


def test_bad_entries_are_rejected_and_the_rest_still_maps() -> None:
    """One unmappable entry becomes a located rejection; the others become events or skips."""
    document = bundle(
        patient(),
        lab_observation(code={"text": "Potassium"}),
        lab_observation(id="obs-2"),
        {"resourceType": "CarePlan", "id": "p1"},
        encounter(),
    )
    result = run(document)
    assert [r.__dict__ for r in result.rejections] == [
        {"location": "Bundle.entry[1](Observation)", "reason": "Observation.code: no coding"}
    ]
    assert [e.record_type.value for e in result.events] == ["patient", "result", "encounter"]
    assert result.skipped == {"CarePlan": 1}


def test_delete_entries() -> None:
    """DELETE with a resource, DELETE Patient/<id> by URL, and unsupported deletes."""
    document = {
        "resourceType": "Bundle",
        "type": "transaction",
        "timestamp": "2024-07-01T00:00:00Z",
        "entry": [
            {
                "resource": lab_observation(),
                "request": {"method": "DELETE", "url": "Observation/obs-1"},
            },
            {"request": {"method": "DELETE", "url": "Patient/p-gone"}},
            {"request": {"method": "DELETE", "url": "Observation/o-gone"}},
            {"request": {"method": "DELETE", "url": "Patient?identifier=123"}},
            {"request": {"method": "GET", "url": "Patient?name=x"}},
        ],
    }
    result = run(document)
    headers = [e.payload["header"] for e in result.events]
    assert [(h["source_record_id"], h["local_patient_id"], h["operation"]) for h in headers] == [
        ("Observation/obs-1", "pat-1", "DELETE"),
        ("Patient/p-gone", "p-gone", "DELETE"),
    ]
    assert [(r.location, r.reason) for r in result.rejections] == [
        (
            "Bundle.entry[2](DELETE)",
            "Bundle.entry.request: DELETE of a Observation without the resource",
        ),
        (
            "Bundle.entry[3](DELETE)",
            "Bundle.entry.request.url: conditional DELETE is not supported",
        ),
    ]
    assert result.skipped == {"request GET": 1}


def test_search_outcomes_are_not_records() -> None:
    """searchset entries with search.mode outcome are ignored."""
    document = bundle(patient(), kind="searchset")
    document["entry"].append(
        {"search": {"mode": "outcome"}, "resource": {"resourceType": "OperationOutcome"}}
    )
    result = run(document)
    assert (len(result.events), result.skipped) == (1, {})


def test_same_document_gives_the_same_events() -> None:
    """Mapping is deterministic: event ids and payloads repeat exactly."""
    document = bundle(patient(), lab_observation(), encounter())
    assert run(document).events == run(copy.deepcopy(document)).events


def test_input_is_not_modified() -> None:
    """The adapter only reads the document."""
    document = bundle(patient(), lab_observation())
    before = copy.deepcopy(document)
    run(document)
    assert document == before


@pytest.mark.parametrize("document", [[], {"entry": []}, {"resourceType": 7}])
def test_not_a_resource_raises(document: Any) -> None:
    """Something that is not a FHIR resource is a caller error."""
    with pytest.raises(FhirDocumentError, match="document: not a FHIR resource"):
        events_from_fhir(document, org="RXX", source_system="pas")


def test_empty_org_raises() -> None:
    """org and source_system are required."""
    with pytest.raises(ValueError, match="must not be empty"):
        events_from_fhir(patient(), org=" ", source_system="pas")


def test_rejection_reasons_hold_no_patient_data() -> None:
    """Rejections caused by a Patient's own data never echo that data."""
    person = patient(
        identifier=[nhs_identifier(INVALID_NHS)],
        name=[{"family": "Uniquesurname", "given": ["Uniquegiven"]}],
        birthDate="1955-03-17",
        address=[{"postalCode": "ZZ9 9ZZ", "line": ["7 Secret Road"]}],
    )
    result = run(bundle(person, lab_observation(category=[LAB])))
    text = repr(result.rejections)
    assert len(result.rejections) == 2
    for secret in (INVALID_NHS, "Uniquesurname", "Uniquegiven", "1955", "ZZ9", "Secret"):
        assert secret not in text


def test_entry_resource_without_type_is_rejected() -> None:
    """An entry whose resource has no resourceType is a located rejection, not a skip."""
    result = run(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"id": "x"}}]}
    )
    assert [(r.location, r.reason) for r in result.rejections] == [
        ("Bundle.entry[0](untyped resource)", "Bundle.entry.resource: no resourceType")
    ]
