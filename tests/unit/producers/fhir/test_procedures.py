"""Procedure -> procedure event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from .builders import SNOMED, bundle, condition, patient, procedure, run


def _one(*others: dict[str, Any], **fields: Any) -> dict[str, Any]:
    resource = {k: v for k, v in procedure(**fields).items() if v is not None}
    result = run(bundle(patient(), *others, resource))
    assert result.rejections == []
    return result.events[-1].payload


def test_procedure_maps_every_field() -> None:
    """SNOMED CT preferred over a local code; period, site, outcome, reason and performer."""
    payload = _one()
    header = payload.pop("header")
    assert payload == {
        "code": {"system": "SNOMED", "code": "80146002", "display": "Appendicectomy"},
        "status": "COMPLETED",
        "performed_start": datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        "performed_end": datetime(2024, 3, 1, 10, 15, tzinfo=UTC),
        "body_site": "Appendix",
        "outcome": "Successful",
        "reasons": [{"system": "SNOMED", "code": "74400008", "display": "Appendicitis"}],
        "performer_org": "RC9",
    }
    assert header["occurred_at"] == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert header["recorded_at"] == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    assert header["source_record_id"] == "Procedure/proc-1"


def test_a_reason_reference_to_a_condition_in_the_document_gives_its_code() -> None:
    """Synthea names the reason by reference to a Condition of the same bundle."""
    problem = condition(id="cond-9")
    payload = _one(problem, reasonCode=None, reasonReference=[{"reference": "Condition/cond-9"}],
                   performedPeriod=None, performedDateTime="2024-03-02T08:00:00Z")  # fmt: skip
    code = problem["code"]["coding"][0]
    assert code["system"] == SNOMED
    assert payload["reasons"] == [{"system": "SNOMED", "code": code["code"],
                                   "display": code.get("display") or problem["code"].get("text")}]  # fmt: skip
    assert payload["performed_start"] == datetime(2024, 3, 2, 8, 0, tzinfo=UTC)
    assert payload["performed_end"] is None


def test_not_done_and_no_time_of_its_own() -> None:
    """A procedure not done keeps its status; without a performed time the record's time is
    meta.lastUpdated."""
    payload = _one(status="not-done", performedPeriod=None, bodySite=None, outcome=None)
    assert (payload["status"], payload["performed_start"], payload["body_site"]) == (
        "NOT_DONE", None, None)  # fmt: skip
    assert payload["header"]["occurred_at"] == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)


def test_entered_in_error_withdraws_it() -> None:
    assert _one(status="entered-in-error")["header"]["operation"] == "ENTERED_IN_ERROR"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"status": "done"}, "Procedure.status: missing or not an R4 status"),
        ({"code": {"text": "keyhole op"}}, "Procedure.code: no coding"),
        ({"performedPeriod": {"start": "last spring"}}, "Procedure.performedPeriod.start: "),
        ({"performedPeriod": None, "meta": None},
         "Procedure.performed[x]: missing (and no other time of record)"),
    ],
)  # fmt: skip
def test_unmappable_procedures_are_rejected_by_field(fields: dict[str, Any], reason: str) -> None:
    """Problems are named by field path; the value is never repeated."""
    resource = {k: v for k, v in procedure(**fields).items() if v is not None}
    result = run(bundle(patient(), resource))
    assert len(result.rejections) == 1
    assert result.rejections[0].reason.startswith(reason)
    assert (
        "spring" not in result.rejections[0].reason and "keyhole" not in result.rejections[0].reason
    )
