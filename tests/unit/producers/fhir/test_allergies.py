"""AllergyIntolerance -> allergy event."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from .builders import allergy, bundle, patient, run


def _one(**fields: Any) -> dict[str, Any]:
    resource = {k: v for k, v in allergy(**fields).items() if v is not None}
    result = run(bundle(patient(), resource))
    assert result.rejections == []
    return result.events[1].payload


def test_allergy_maps_every_field() -> None:
    """Code, statuses, type, categories, criticality, onset, reactions and the worst severity."""
    payload = _one()
    header = payload.pop("header")
    assert payload == {
        "code": {"system": "SNOMED", "code": "91936005", "display": "Allergy to penicillin"},
        "clinical_status": "ACTIVE",
        "verification_status": "CONFIRMED",
        "allergy_type": "ALLERGY",
        "categories": ["MEDICATION"],
        "criticality": "HIGH",
        "onset_date": date(2001, 7, 1),
        "reactions": [
            {"system": "SNOMED", "code": "271807003", "display": "Rash"},
            {"system": "SNOMED", "code": "39579001", "display": None},
        ],
        "reaction_severity": "SEVERE",
    }
    assert header["source_record_id"] == "AllergyIntolerance/alg-1"
    assert header["recorded_at"] == datetime(2019, 5, 28, 10, 0, tzinfo=UTC)


def test_unknown_codes_are_unknown_and_absent_parts_are_empty() -> None:
    """Missing statuses, type and criticality are UNKNOWN; no reactions, no severity."""
    payload = _one(clinicalStatus=None, verificationStatus=None, type=None, criticality=None,
                   category=["plants"], reaction=None)  # fmt: skip
    picked = {k: payload[k] for k in ("clinical_status", "verification_status", "allergy_type",
                                      "criticality", "categories", "reactions",
                                      "reaction_severity")}  # fmt: skip
    assert picked == {"clinical_status": "UNKNOWN", "verification_status": "UNKNOWN",
                      "allergy_type": "UNKNOWN", "criticality": "UNKNOWN", "categories": [],
                      "reactions": [], "reaction_severity": None}  # fmt: skip


def test_entered_in_error_is_an_entered_in_error_event() -> None:
    """verificationStatus entered-in-error withdraws the allergy."""
    payload = _one(verificationStatus={"coding": [{"code": "entered-in-error"}]})
    assert payload["header"]["operation"] == "ENTERED_IN_ERROR"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"code": {"text": "penicillin"}}, "AllergyIntolerance.code: no coding"),
        ({"code": None}, "AllergyIntolerance.code: missing"),
        ({"recordedDate": "soon"}, "AllergyIntolerance.recordedDate: "),
        ({"onsetDateTime": None, "recordedDate": None},
         "AllergyIntolerance.recordedDate: missing (and no other time of record)"),
    ],
)  # fmt: skip
def test_unmappable_allergies_are_rejected_by_field(fields: dict[str, Any], reason: str) -> None:
    """Problems are named by field path; the value is never repeated."""
    resource = {k: v for k, v in allergy(**fields).items() if v is not None}
    result = run(bundle(patient(), resource))
    assert len(result.rejections) == 1
    assert result.rejections[0].reason.startswith(reason)
    assert "penicillin" not in result.rejections[0].reason
