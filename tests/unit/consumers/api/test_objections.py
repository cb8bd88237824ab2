"""Objections recorded from the viewer: a valid consent event of the user's organisation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consumers.api.objections import ConsentDecision, consent_event, local_patient_id
from producers.sdk import validate_event
from schemas.events import RecordType

NOW = datetime(2026, 12, 6, 12, 0, 0, 123000, tzinfo=UTC)
DOCS = [
    {"doc_kind": "patient", "org": "E81001", "source_key": "E81001:GP-77"},
    {"doc_kind": "patient", "org": "RC9", "source_key": "RC9:MRN-1"},
    {"doc_kind": "item", "org": "K82001", "source_key": "K82001:N-5"},
]


@pytest.mark.parametrize(
    ("org", "expected"),
    [("E81001", "GP-77"), ("RC9", "MRN-1"), ("K82001", None), ("RWK", None)],
)
def test_the_local_id_comes_from_the_organisations_own_patient_record(
    org: str, expected: str | None
) -> None:
    """Only a patient document of the user's organisation gives the local id."""
    assert local_patient_id(org, DOCS) == expected


@pytest.mark.parametrize("decision", list(ConsentDecision))
def test_the_event_is_a_valid_consent_event_of_the_users_organisation(
    decision: ConsentDecision,
) -> None:
    """The event passes the producer SDK's validation, names the organisation's record and
    one consent item per organisation and patient, versioned by time."""
    event = consent_event(org="E81001", local_id="GP-77", decision=decision, now=NOW)
    validate_event(event)
    header = event.payload["header"]
    assert event.record_type is RecordType.CONSENT
    assert (header["org"], header["local_patient_id"]) == ("E81001", "GP-77")
    assert (header["source_record_id"], header["record_version"]) == (
        "mcr-viewer-objection",
        1796558400123,
    )
    assert (event.payload["scope"], event.payload["decision"]) == (
        "SHARED_CARE_RECORD",
        decision.value,
    )


def test_after_a_purge_the_local_id_comes_from_the_persons_source_keys() -> None:
    """No patient document left (purged): the organisation's source key still names its record."""
    assert local_patient_id("E81001", [], ["RC9:MRN-1", "E81001:GP-77"]) == "GP-77"
    assert local_patient_id("K82001", [], ["RC9:MRN-1"]) is None
