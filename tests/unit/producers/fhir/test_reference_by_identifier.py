"""A resource that names its patient only by identifier: a local id is used, an NHS number never."""

from __future__ import annotations

from datetime import UTC, datetime

from producers.fhir import events_from_fhir


def _observation(identifier: dict[str, str]) -> dict[str, object]:
    return {
        "resourceType": "Observation",
        "id": "obs-1",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
        "subject": {"identifier": identifier},
        "effectiveDateTime": "2025-01-02T09:00:00Z",
        "valueQuantity": {"value": 13.2, "unit": "g/dL"},
    }


def test_local_identifier_becomes_the_local_patient_id() -> None:
    """A subject given by a local MRN maps with that MRN as the local patient id."""
    result = events_from_fhir(
        _observation({"system": "https://rc9.example/mrn", "value": "MRN42"}),
        org="RC9",
        source_system="lims",
        received_at=datetime(2025, 1, 3, tzinfo=UTC),
    )

    assert [e.payload["header"]["local_patient_id"] for e in result.events] == ["MRN42"]


def test_nhs_number_only_subject_is_rejected_not_used_as_a_key() -> None:
    """A subject given only by NHS number is rejected: an NHS number must never become a key."""
    result = events_from_fhir(
        _observation({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}),
        org="RC9",
        source_system="lims",
        received_at=datetime(2025, 1, 3, tzinfo=UTC),
    )

    assert result.events == []
    assert [r.reason for r in result.rejections] == [
        "Observation.subject: NHS number only; a local patient reference is needed"
    ]
    assert "9990000018" not in repr(result.rejections)
