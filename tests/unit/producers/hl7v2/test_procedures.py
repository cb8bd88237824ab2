"""PR1 segments of ADT messages -> procedure events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from producers.hl7v2 import events_from_hl7v2
from producers.hl7v2.procedures import NO_PROCEDURE_CODE
from producers.model import AdapterResult
from producers.sdk import event_problems

from .builders import ORG, SOURCE_SYSTEM, message, msh, pid, segment


def _map(*pr1: str, trigger: str = "ADT^A28") -> AdapterResult:
    text = message(msh(trigger), segment("EVN", {1: trigger[-3:]}), pid(), *pr1)
    return events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)


def _procedures(result: AdapterResult) -> list[dict[str, object]]:
    return [e.payload for e in result.events if e.record_type.value == "procedure"]


def test_a_pr1_segment_is_a_procedure_of_the_patient() -> None:
    """OPCS-4 code, time and minutes, associated diagnosis; the surgeon is never copied."""
    result = _map(segment("PR1", {1: "1", 3: "H011^Emergency excision of appendix^OPCS4",
                                  5: "20240301093000", 7: "45", 11: "C1234567^Surgeon^Sam",
                                  15: "K35.8^Acute appendicitis^I10"}))  # fmt: skip
    assert [event_problems(e) for e in result.events] == [[] for _ in result.events]
    [procedure] = _procedures(result)
    header = procedure.pop("header")
    assert procedure == {
        "code": {"system": "OPCS4", "code": "H011", "display": "Emergency excision of appendix"},
        "status": "COMPLETED",
        "performed_start": datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        "performed_end": datetime(2024, 3, 1, 10, 15, tzinfo=UTC),
        "body_site": None, "outcome": None,
        "reasons": [{"system": "ICD10", "code": "K35.8", "display": "Acute appendicitis"}],
        "performer_org": ORG,
    }  # fmt: skip
    assert header["source_record_id"] == "RC9123456/PR1/H011/20240301093000"  # type: ignore[index]
    assert "Surgeon" not in repr(result.events)


def test_the_procedure_identifier_and_a_delete() -> None:
    """PR1-16 names the item; action code D withdraws it."""
    result = _map(segment("PR1", {3: "80146002^Appendicectomy^SCT", 5: "20240301093000",
                                  16: "PROC-77", 17: "D"}))  # fmt: skip
    [procedure] = _procedures(result)
    header = procedure["header"]
    assert (header["source_record_id"], header["operation"]) == ("PROC-77", "DELETE")  # type: ignore[index]


def test_an_uncoded_pr1_is_skipped_and_the_rest_maps() -> None:
    result = _map(segment("PR1", {1: "1", 5: "20240301093000"}), trigger="ADT^A31")
    assert _procedures(result) == [] and result.skipped[NO_PROCEDURE_CODE] == 1
    assert any(e.record_type.value == "patient" for e in result.events)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [({5: "yesterday"}, "PR1-5"), ({5: "20240301093000", 7: "about 40"}, "PR1-7")],
)
def test_malformed_fields_are_named(fields: dict[int, str], reason: str) -> None:
    result = _map(segment("PR1", {3: "H011^Appendix^OPCS4", **fields}))
    assert len(result.rejections) == 1 and reason in result.rejections[0].reason
    assert "about" not in result.rejections[0].reason
