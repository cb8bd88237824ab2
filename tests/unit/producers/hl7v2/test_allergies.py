"""AL1 segments of demographic ADT messages -> allergy events."""

from __future__ import annotations

from datetime import date

from producers.hl7v2 import events_from_hl7v2
from producers.hl7v2.allergies import NO_ALLERGEN_CODE
from producers.model import AdapterResult
from producers.sdk import event_problems

from .builders import ORG, SOURCE_SYSTEM, message, msh, pid, read_fixture, segment


def _map(*al1: str, trigger: str = "ADT^A28") -> AdapterResult:
    text = message(msh(trigger), segment("EVN", {1: trigger[-3:]}), pid(), *al1)
    return events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)


def _allergies(result: AdapterResult) -> list[dict[str, object]]:
    return [e.payload for e in result.events if e.record_type.value == "allergy"]


def test_an_al1_segment_is_an_allergy_of_the_patient() -> None:
    """Type, SNOMED allergen, severity and identification date; id per patient and allergen."""
    result = _map(segment("AL1", {1: "1", 2: "DA", 3: "91936005^Penicillin^SCT", 4: "SV",
                                  5: "rash", 6: "20190305"}))  # fmt: skip
    assert event_problems(result.events[-1]) == []
    [allergy] = _allergies(result)
    header = allergy.pop("header")
    assert allergy == {
        "code": {"system": "SNOMED", "code": "91936005", "display": "Penicillin"},
        "clinical_status": "ACTIVE", "verification_status": "UNKNOWN",
        "allergy_type": "ALLERGY", "categories": ["MEDICATION"], "criticality": "UNKNOWN",
        "onset_date": date(2019, 3, 5), "reactions": [], "reaction_severity": "SEVERE",
    }  # fmt: skip
    assert header["source_record_id"] == "RC9123456/AL1/91936005"  # type: ignore[index]


def test_types_without_category_and_an_uncoded_allergen() -> None:
    """A contraindication (MC) has no type or category; an AL1 without a code is skipped."""
    result = _map(segment("AL1", {1: "1", 2: "MC", 3: "X1^Latex"}),
                  segment("AL1", {1: "2", 2: "FA", 3: "^peanuts"}))  # fmt: skip
    [allergy] = _allergies(result)
    assert (allergy["allergy_type"], allergy["categories"]) == ("UNKNOWN", [])
    assert allergy["code"] == {"system": "LOCAL", "code": "X1", "display": "Latex"}
    assert result.skipped == {NO_ALLERGEN_CODE: 1}


def test_a_transfer_carries_no_allergies() -> None:
    """Only the triggers whose purpose is demographics give allergy events."""
    result = _map(segment("AL1", {1: "1", 2: "DA", 3: "1^X^SCT"}), trigger="ADT^A02")
    assert _allergies(result) == []


def test_a_bad_identification_date_rejects_the_message_by_field() -> None:
    result = _map(segment("AL1", {1: "1", 2: "DA", 3: "1^X^SCT", 6: "yesterday"}))
    assert [r.reason for r in result.rejections] == ["AL1-6: not a valid HL7 date"]


def test_the_microsoft_sample_allergy_is_local_and_environmental() -> None:
    """ICDO is not a code system we know: the allergen is a LOCAL code with its text."""
    text = read_fixture("microsoft-fhir-converter/ADT-A04-01.hl7")
    [allergy] = _allergies(events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM))
    assert (allergy["code"], allergy["categories"], allergy["reaction_severity"]) == (
        {"system": "LOCAL", "code": "P", "display": "PENICILLIN"}, ["ENVIRONMENT"], "MILD")  # fmt: skip
