"""DG1 segments of visit ADT messages -> condition events (encounter diagnoses)."""

from __future__ import annotations

from datetime import date

import pytest

from producers.hl7v2 import events_from_hl7v2
from producers.hl7v2.diagnoses import NO_DIAGNOSIS_CODE
from producers.model import AdapterResult, Rejection
from producers.sdk import event_problems

from .builders import ORG, SOURCE_SYSTEM, message, msh, pid, read_fixture, segment

PV1 = segment("PV1", {2: "I", 19: "V0001^^^RC971^VN", 44: "20240612090000"})


def _map(*dg1: str, trigger: str = "ADT^A01", pv1: str = PV1) -> AdapterResult:
    text = message(msh(f"{trigger}^ADT_A01"), segment("EVN", {1: trigger[-3:]}), pid(), pv1,
                   *dg1)  # fmt: skip
    return events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)


def _conditions(result: AdapterResult) -> list[dict[str, object]]:
    return [e.payload for e in result.events if e.record_type.value == "condition"]


def test_a_dg1_segment_is_a_diagnosis_of_the_visit() -> None:
    """ICD-10 code, final diagnosis type, diagnosis date; the id is patient, visit and code."""
    result = _map(segment("DG1", {1: "1", 3: "I21.9^Acute myocardial infarction^I10",
                                  4: "Heart attack", 5: "20240612101500", 6: "F",
                                  16: "C123^WHO^DOCTOR"}))  # fmt: skip
    assert result.rejections == []
    [condition] = _conditions(result)
    assert event_problems(result.events[-1]) == []
    header = condition.pop("header")
    assert condition == {
        "code": {"system": "ICD10", "code": "I21.9", "display": "Acute myocardial infarction"},
        "category": "DIAGNOSIS", "clinical_status": "UNKNOWN",
        "verification_status": "CONFIRMED", "severity": None,
        "onset_date": date(2024, 6, 12), "abatement_date": None, "asserter_org": None,
    }  # fmt: skip
    assert header["source_record_id"] == "RC9123456/DG1/V0001/I21.9"  # type: ignore[index]
    assert header["operation"] == "UPSERT"  # type: ignore[index]
    assert "WHO" not in repr(condition)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({6: "A"}, ("PROVISIONAL", "UPSERT")),
        ({6: "W"}, ("PROVISIONAL", "UPSERT")),
        ({6: "X"}, ("UNKNOWN", "UPSERT")),
        ({6: "F", 21: "D"}, ("CONFIRMED", "DELETE")),
        ({21: "U"}, ("UNKNOWN", "UPSERT")),
    ],
)
def test_diagnosis_type_and_action_code(fields: dict[int, str], expected: tuple[str, str]) -> None:
    """DG1-6 gives the verification status (table 0052); DG1-21 D deletes the diagnosis."""
    result = _map(segment("DG1", {1: "1", 3: "22298006^Myocardial infarction^SCT", **fields}))
    [condition] = _conditions(result)
    header = condition["header"]
    assert (condition["verification_status"], header["operation"]) == expected  # type: ignore[index]


def test_dg1_20_is_the_id_and_no_visit_number_gives_a_dash() -> None:
    """The sender's diagnosis identifier wins; without one or a visit number the id says so."""
    coded = {1: "1", 3: "195967001^Asthma^SCT"}
    with_id = _map(segment("DG1", {**coded, 20: "DX-7781^PAS"}))
    no_visit = _map(segment("DG1", coded), pv1=segment("PV1", {2: "I"}))
    assert _conditions(with_id)[0]["header"]["source_record_id"] == "DX-7781"  # type: ignore[index]
    assert _conditions(no_visit)[0]["header"]["source_record_id"] == "RC9123456/DG1/-/195967001"  # type: ignore[index]


def test_an_uncoded_dg1_is_skipped_and_counted() -> None:
    """A DG1 with only free text (DG1-4) is counted; the coded one and the visit still map."""
    result = _map(segment("DG1", {1: "1", 4: "Chest pain"}),
                  segment("DG1", {1: "2", 3: "29857009^Chest pain^SCT"}))  # fmt: skip
    assert len(_conditions(result)) == 1
    assert result.skipped == {NO_DIAGNOSIS_CODE: 1}


@pytest.mark.parametrize(
    ("trigger", "conditions"),
    [("ADT^A01", 1), ("ADT^A03", 1), ("ADT^A08", 1), ("ADT^A02", 0), ("ADT^A11", 0),
     ("ADT^A28", 0)],
)  # fmt: skip
def test_which_triggers_carry_diagnoses(trigger: str, conditions: int) -> None:
    """Admit, discharge and update give diagnoses; transfer, cancel and person-only do not."""
    result = _map(segment("DG1", {1: "1", 3: "22298006^Myocardial infarction^SCT"}),
                  trigger=trigger)  # fmt: skip
    assert len(_conditions(result)) == conditions


def test_a_bad_diagnosis_date_rejects_the_message_by_field() -> None:
    """A DG1-5 that is not a date names the field, never the value."""
    result = _map(segment("DG1", {1: "1", 3: "22298006^MI^SCT", 5: "12/06/2024"}))
    assert result.rejections == [Rejection("message 1", "DG1-5: not a valid HL7 date")]
    assert result.events == []


def test_the_microsoft_discharge_sample_diagnosis() -> None:
    """ADT^A03 v2.8: SNOMED stroke, admitting type, its DG1-20 id."""
    result = events_from_hl7v2(read_fixture("microsoft-fhir-converter/ADT-A03-01.hl7"),
                               org=ORG, source_system=SOURCE_SYSTEM)  # fmt: skip
    [condition] = _conditions(result)
    assert condition["code"] == {"system": "SNOMED", "code": "422504002",
                                 "display": "Ischemic stroke(disorder)"}  # fmt: skip
    assert condition["verification_status"] == "PROVISIONAL"
    assert condition["header"]["source_record_id"] == "DI20"  # type: ignore[index]
