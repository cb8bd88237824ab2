"""PPR^PC1/PC2/PC3 problem messages -> condition events (problem-list items)."""

from __future__ import annotations

from datetime import date

import pytest

from producers.hl7v2 import events_from_hl7v2
from producers.model import AdapterResult, Rejection
from producers.sdk import event_problems

from .builders import ORG, SOURCE_SYSTEM, message, msh, pid, read_fixture, segment


def _prb(**fields: str) -> str:
    """A PRB adding type 2 diabetes (SNOMED) as problem PRB-0042; ``f<n>`` overrides field n."""
    values = {1: "AD", 2: "20240612093000", 3: "44054006^Diabetes mellitus type 2^SCT",
              4: "PRB-0042^EMIS", 7: "20240612", 13: "C^Confirmed", 14: "active^Active",
              16: "20190502"}  # fmt: skip
    values.update({int(key[1:]): value for key, value in fields.items()})
    return segment("PRB", values)


def _map(*prb: str, trigger: str = "PPR^PC1") -> AdapterResult:
    text = message(msh(f"{trigger}^PPR_PC1", "PRB0001"), pid(), *prb)
    return events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)


def _conditions(result: AdapterResult) -> list[dict[str, object]]:
    assert all(e.record_type.value == "condition" for e in result.events)
    return [e.payload for e in result.events]


def test_a_prb_segment_is_a_problem_list_item() -> None:
    """Code, sender's problem id, confirmation and life-cycle status, onset; no NTE text."""
    result = _map(_prb(), segment("NTE", {1: "1", 3: "Diet controlled"}))
    assert result.rejections == []
    assert event_problems(result.events[0]) == []
    [problem] = _conditions(result)
    header = problem.pop("header")
    assert problem == {
        "code": {"system": "SNOMED", "code": "44054006", "display": "Diabetes mellitus type 2"},
        "category": "PROBLEM", "clinical_status": "ACTIVE", "verification_status": "CONFIRMED",
        "severity": None, "onset_date": date(2019, 5, 2), "abatement_date": None,
        "asserter_org": None,
    }  # fmt: skip
    assert header["source_record_id"] == "PRB-0042"  # type: ignore[index]
    assert header["operation"] == "UPSERT"  # type: ignore[index]
    assert header["occurred_at"].isoformat() == "2024-06-12T08:30:00+00:00"  # type: ignore[index]


@pytest.mark.parametrize(
    ("fields", "clinical", "verification", "abated"),
    [
        ({"f14": "resolved", "f9": "20230101"}, "RESOLVED", "CONFIRMED", date(2023, 1, 1)),
        ({"f14": "", "f9": "20230101"}, "RESOLVED", "CONFIRMED", date(2023, 1, 1)),
        ({"f14": "", "f13": ""}, "ACTIVE", "UNKNOWN", None),
        ({"f14": "R^Remission", "f13": "P"}, "REMISSION", "PROVISIONAL", None),
        ({"f14": "x^Inactive", "f13": "x^Differential"}, "INACTIVE", "DIFFERENTIAL", None),
        ({"f13": "R^Refuted"}, "ACTIVE", "REFUTED", None),
        ({"f13": "ZZ^Unheard of"}, "ACTIVE", "UNKNOWN", None),
    ],
)
def test_statuses_are_read_by_code_or_text(
    fields: dict[str, str], clinical: str, verification: str, abated: date | None
) -> None:
    """PRB-14 life cycle and PRB-13 confirmation by code or text; a resolution date without a
    life-cycle status means resolved, none means active."""
    [problem] = _conditions(_map(_prb(**fields)))
    found = (problem["clinical_status"], problem["verification_status"], problem["abatement_date"])
    assert found == (clinical, verification, abated)


def test_a_delete_and_an_update_keep_the_problem_id() -> None:
    """PC3/DE is a DELETE of the same item; PC2/UP an upsert with the problem's severity."""
    deleted = _conditions(_map(_prb(f1="DE"), trigger="PPR^PC3"))[0]
    updated = _conditions(_map(_prb(f1="UP", f26="24484000^Severe^SCT"), trigger="PPR^PC2"))[0]
    assert deleted["header"]["operation"] == "DELETE"  # type: ignore[index]
    assert deleted["header"]["source_record_id"] == updated["header"]["source_record_id"]  # type: ignore[index]
    assert updated["severity"] == "Severe"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"f3": ""}, "PRB-3: problem code missing"),
        ({"f4": ""}, "PRB-4: problem instance id missing"),
        ({"f2": "2004062916460000"}, "PRB-2: not a valid HL7 date/time"),
        ({"f16": "2019-05-02"}, "PRB-16: not a valid HL7 date"),
    ],
)
def test_a_prb_at_fault_is_rejected_alone_naming_the_field(
    fields: dict[str, str], reason: str
) -> None:
    """The bad PRB is a rejection at its segment; the good one of the same message maps."""
    result = _map(_prb(f4="PRB-0001"), _prb(**fields))
    assert result.rejections == [Rejection("message 1 PRB (segment 4)", reason)]
    assert [p["header"]["source_record_id"] for p in _conditions(result)] == ["PRB-0001"]  # type: ignore[index]


def test_a_message_without_prb_or_pid_is_rejected() -> None:
    """PPR needs a patient and a problem."""
    no_prb = events_from_hl7v2(message(msh("PPR^PC1^PPR_PC1"), pid()), org=ORG,
                               source_system=SOURCE_SYSTEM)  # fmt: skip
    no_pid = events_from_hl7v2(message(msh("PPR^PC1^PPR_PC1"), _prb()), org=ORG,
                               source_system=SOURCE_SYSTEM)  # fmt: skip
    assert no_prb.rejections == [Rejection("message 1", "PRB: segment missing")]
    assert no_pid.rejections == [Rejection("message 1", "PID: segment missing")]


@pytest.mark.parametrize(
    ("sample", "operation"),
    [("PC1-Problem-Add-v2.3.1.hl7", "UPSERT"), ("PC1-Problem-Update-v2.3.1.hl7", "UPSERT"),
     ("PC1-Problem-Delete-v2.3.1.hl7", "DELETE")],
)  # fmt: skip
def test_the_microsoft_problem_samples(sample: str, operation: str) -> None:
    """As shared, their 16-digit PRB-2 is not an HL7 time: rejected naming PRB-2. With it
    written as one, each gives its problem (ICD-9 codes are LOCAL to us)."""
    text = read_fixture(f"microsoft-fhir-converter/{sample}")
    as_shared = events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)
    assert [r.reason for r in as_shared.rejections] == ["PRB-2: not a valid HL7 date/time"]
    fixed = events_from_hl7v2(text.replace("0000|", "|", 1), org=ORG, source_system=SOURCE_SYSTEM)
    [problem] = _conditions(fixed)
    assert problem["header"]["operation"] == operation  # type: ignore[index]
    assert problem["code"]["system"] == "LOCAL"  # type: ignore[index]
    assert problem["onset_date"] == date(2004, 6, 29)
