"""Condition -> condition event."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from .builders import bundle, condition, patient, run

_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def _one(**fields: Any) -> dict[str, Any]:
    result = run(bundle(patient(), condition(**fields)))
    assert result.rejections == []
    return result.events[1].payload


def test_condition_maps_every_field() -> None:
    """Code, category, statuses, dates and times as the schema wants them."""
    payload = _one(severity={"text": "moderate"}, abatementDateTime="2021-01-03")
    header = payload.pop("header")
    assert payload == {
        "code": {"system": "SNOMED", "code": "38341003", "display": "Hypertension"},
        "category": "PROBLEM",
        "clinical_status": "ACTIVE",
        "verification_status": "CONFIRMED",
        "severity": "moderate",
        "onset_date": date(2019, 5, 27),
        "abatement_date": date(2021, 1, 3),
        "asserter_org": None,
    }
    assert header["source_record_id"] == "Condition/cond-1"
    assert header["occurred_at"] == datetime(2019, 5, 27, 8, 51, 38, tzinfo=UTC)
    assert header["recorded_at"] == datetime(2019, 5, 28, 10, 0, tzinfo=UTC)
    assert header["operation"] == "UPSERT"


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["encounter-diagnosis"], "DIAGNOSIS"),
        (["problem-list-item", "encounter-diagnosis"], "PROBLEM"),
        (["health-concern"], "UNKNOWN"),
        ([], "UNKNOWN"),
    ],
)
def test_category(codes: list[str], expected: str) -> None:
    """problem-list-item is a PROBLEM, encounter-diagnosis a DIAGNOSIS; PROBLEM wins."""
    category = [{"coding": [{"system": _CATEGORY, "code": code}]} for code in codes]
    assert _one(category=category)["category"] == expected


def test_entered_in_error_verification_is_an_entered_in_error_event() -> None:
    """verificationStatus entered-in-error removes the problem from the record."""
    status = {"coding": [{"system": _VERIFICATION, "code": "entered-in-error"}]}
    payload = _one(verificationStatus=status)
    assert (payload["header"]["operation"], payload["verification_status"]) == (
        "ENTERED_IN_ERROR",
        "UNKNOWN",
    )


def test_asserter_organisation_is_an_ods_code() -> None:
    """An asserting Organization gives its ODS code; a Practitioner gives nothing."""
    ods = {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "A81001"}
    assert _one(asserter={"identifier": ods})["asserter_org"] == "A81001"
    assert _one(asserter={"reference": "Practitioner/p1"})["asserter_org"] is None


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"code": {"text": "high blood pressure"}}, "Condition.code: no coding"),
        ({"code": None}, "Condition.code: missing"),
        ({"onsetDateTime": "yesterday"}, "Condition.onsetDateTime: "),
        (
            {"onsetDateTime": None, "recordedDate": None, "meta": None},
            "Condition.onset[x]: missing (and no other time of record)",
        ),
    ],
)
def test_unmappable_conditions_are_rejected_by_field(fields: dict[str, Any], reason: str) -> None:
    """Problems are named by field path; the value is never repeated."""
    resource = {k: v for k, v in condition(**fields).items() if v is not None}
    result = run(bundle(patient(), resource))
    assert len(result.rejections) == 1
    assert result.rejections[0].reason.startswith(reason)
    assert "yesterday" not in result.rejections[0].reason
