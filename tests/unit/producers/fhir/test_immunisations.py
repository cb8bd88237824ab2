"""Immunization -> immunisation event."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from .builders import bundle, immunization, patient, run


def _one(**fields: Any) -> dict[str, Any]:
    resource = {k: v for k, v in immunization(**fields).items() if v is not None}
    result = run(bundle(patient(), resource))
    assert result.rejections == []
    return result.events[1].payload


def test_immunization_maps_every_field() -> None:
    """SNOMED CT preferred over CVX; date, lot, site, route, dose and performer ODS code."""
    payload = _one()
    header = payload.pop("header")
    assert payload == {
        "vaccine": {"system": "SNOMED", "code": "1181000221105", "display": "Influenza vaccine"},
        "status": "COMPLETED",
        "occurrence_date": date(2023, 10, 12),
        "primary_source": True,
        "lot_number": "FLU-123",
        "site": "Left upper arm",
        "route": "Intramuscular",
        "dose_number": 2,
        "performer_org": "A81001",
    }
    assert header["occurred_at"] == datetime(2023, 10, 12, 9, 30, tzinfo=UTC)
    assert header["recorded_at"] == datetime(2023, 10, 12, 11, 0, tzinfo=UTC)


def test_a_cvx_vaccine_is_a_local_code_and_not_done_is_kept() -> None:
    """Synthea's CVX codes are LOCAL; a vaccination not given is NOT_DONE."""
    cvx = {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "140"}], "text": "Flu"}
    payload = _one(vaccineCode=cvx, status="not-done", primarySource=False)
    assert payload["vaccine"] == {"system": "LOCAL", "code": "140", "display": "Flu"}
    assert (payload["status"], payload["primary_source"]) == ("NOT_DONE", False)


def test_entered_in_error_withdraws_it() -> None:
    assert _one(status="entered-in-error")["header"]["operation"] == "ENTERED_IN_ERROR"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"status": "given"}, "Immunization.status: missing or not an R4 status"),
        ({"vaccineCode": {"text": "flu jab"}}, "Immunization.vaccineCode: no coding"),
        ({"occurrenceDateTime": "last autumn"}, "Immunization.occurrenceDateTime: "),
        ({"occurrenceDateTime": None, "recorded": None},
         "Immunization.occurrenceDateTime: missing (and no other time of record)"),
    ],
)  # fmt: skip
def test_unmappable_immunizations_are_rejected_by_field(
    fields: dict[str, Any], reason: str
) -> None:
    """Problems are named by field path; the value is never repeated."""
    resource = {k: v for k, v in immunization(**fields).items() if v is not None}
    result = run(bundle(patient(), resource))
    assert len(result.rejections) == 1
    assert result.rejections[0].reason.startswith(reason)
    assert "autumn" not in result.rejections[0].reason
