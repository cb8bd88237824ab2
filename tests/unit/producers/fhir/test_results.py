"""Observation -> result events: which category an observation has (laboratory, vital signs,
...), which are skipped, and how values map."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from .builders import LAB, LOINC, SNOMED, bundle, lab_observation, run

_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
_V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"


def result_payload(resource: dict[str, Any]) -> dict[str, Any]:
    result = run(resource)
    assert result.rejections == []
    assert len(result.events) == 1
    return result.events[0].payload


def category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": _CAT, "code": code}]}]


def test_full_result_event() -> None:
    """A lab Observation fills the result fields and a header with UTC times."""
    observation = lab_observation(
        referenceRange=[{"low": {"value": 3.5}, "high": {"value": 5.3}, "text": "3.5-5.3"}],
        interpretation=[{"coding": [{"code": "N"}]}],
    )
    payload = result_payload(observation)
    header = payload.pop("header")
    assert payload == {
        "code": {"system": "LOINC", "code": "2823-3", "display": "Potassium"},
        "panel": None,
        "status": "FINAL",
        "value_quantity": 4.2,
        "value_text": None,
        "unit": "mmol/L",
        "reference_low": 3.5,
        "reference_high": 5.3,
        "reference_text": "3.5-5.3",
        "abnormal_flag": "NORMAL",
        "specimen": None,
        "issued_at": datetime(2024, 5, 1, 12, tzinfo=UTC),
        "performer_org": None,
        "category": "LABORATORY",
    }
    assert header["occurred_at"] == datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    assert header["recorded_at"] == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert header["source_record_id"] == "Observation/obs-1"
    assert header["local_patient_id"] == "pat-1"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("vital-signs", "VITAL_SIGNS"), ("social-history", "SOCIAL_HISTORY"), ("survey", "SURVEY"),
     ("exam", "EXAM"), ("imaging", "IMAGING"), ("procedure", "PROCEDURE"),
     ("therapy", "THERAPY"), ("activity", "ACTIVITY")],
)  # fmt: skip
def test_observations_beyond_the_laboratory_are_results_of_their_category(
    code: str, expected: str
) -> None:
    """Every R4 observation-category code maps, with its category."""
    assert result_payload(lab_observation(category=category(code)))["category"] == expected


def test_laboratory_wins_over_another_category() -> None:
    both = category("vital-signs") + category("laboratory")
    assert result_payload(lab_observation(category=both))["category"] == "LABORATORY"


@pytest.mark.parametrize(
    ("categories", "skipped"),
    [
        (category("vital-sign"), {"Observation(vital-sign)": 1}),
        (
            [{"coding": [{"system": "http://acme.org/cat", "code": "chem"}]}],
            {"Observation(other-category)": 1},
        ),
        ([], {"Observation(uncategorised)": 1}),
    ],
)
def test_unknown_categories_are_skipped(categories: list[Any], skipped: dict[str, int]) -> None:
    """A category outside the R4 code system (Synthea's misspelt ``vital-sign``) or none at
    all (outside a lab report) is counted by category, not guessed."""
    result = run(lab_observation(category=categories))
    assert (result.events, result.rejections, result.skipped) == ([], [], skipped)


def test_a_blood_pressure_is_a_vital_sign_per_component() -> None:
    """Systolic and diastolic components: two vital-sign results, the panel the
    Observation's code; a survey answer keeps its coded value as text."""
    bp = lab_observation(
        category=category("vital-signs"),
        code={"coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure"}]},
        component=[
            {"code": {"coding": [{"system": LOINC, "code": "8480-6", "display": "Systolic"}]},
             "valueQuantity": {"value": 142, "unit": "mm[Hg]",
                               "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": LOINC, "code": "8462-4", "display": "Diastolic"}]},
             "valueQuantity": {"value": 88, "unit": "mm[Hg]",
                               "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
        ],
    )  # fmt: skip
    bp.pop("valueQuantity", None)
    events = run(bp).events
    assert [(e.payload["code"]["code"], e.payload["value_quantity"], e.payload["category"],
             e.payload["panel"]["code"]) for e in events] == [
        ("8480-6", 142, "VITAL_SIGNS", "85354-9"), ("8462-4", 88, "VITAL_SIGNS", "85354-9")]  # fmt: skip
    survey = lab_observation(category=category("survey"),
                             valueCodeableConcept={"text": "Never smoker"})  # fmt: skip
    survey.pop("valueQuantity", None)
    assert result_payload(survey)["value_text"] == "Never smoker"


def report(category_code: str | None, *results: str, **fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": "dr-1",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "24326-1", "display": "Electrolytes panel"}]},
        "result": [{"reference": ref} for ref in results],
    }
    if category_code:
        resource["category"] = [{"coding": [{"system": _V2_0074, "code": category_code}]}]
    resource.update(fields)
    return resource


@pytest.mark.parametrize(
    ("section", "code_system", "events"),
    [
        ("HM", "http://acme.org/lab", 1),
        ("LAB", SNOMED, 1),
        (None, LOINC, 1),
        (None, "http://acme.org/lab", 0),
        ("RAD", "http://acme.org/lab", 0),
    ],
)
def test_uncategorised_observation_in_a_lab_report(
    section: str | None, code_system: str, events: int
) -> None:
    """An uncategorised Observation is a result when its report is a lab section or it is
    LOINC-coded; it takes the report's code as panel."""
    observation = lab_observation(
        category=[], code={"coding": [{"system": code_system, "code": "K"}]}
    )
    result = run(
        bundle(observation, report(section, "urn:uuid:00000000-0000-4000-8000-000000000000"))
    )
    assert len(result.events) == events
    if events:
        assert result.events[0].payload["panel"] == {
            "system": "LOINC",
            "code": "24326-1",
            "display": "Electrolytes panel",
        }


def test_own_category_beats_the_report() -> None:
    """A vital-signs Observation listed by a LAB report is still skipped (Synthea's LVEF)."""
    observation = lab_observation(category=category("vital-sign"))
    result = run(bundle(observation, report("LAB", "Observation/obs-1")))
    assert result.events == []
    assert result.skipped == {"Observation(vital-sign)": 1, "DiagnosticReport": 1}


def test_times_fall_back_to_the_report() -> None:
    """Results without their own time take the report's effective time and issue time."""
    observation = lab_observation()
    for key in ("effectiveDateTime", "issued"):
        del observation[key]
    panel = report(
        "LAB",
        "Observation/obs-1",
        effectiveDateTime="2024-02-02T08:00:00Z",
        issued="2024-02-02T15:00:00Z",
    )
    payload = run(bundle(observation, panel)).events[0].payload
    assert payload["header"]["occurred_at"] == datetime(2024, 2, 2, 8, tzinfo=UTC)
    assert payload["issued_at"] == datetime(2024, 2, 2, 15, tzinfo=UTC)


def test_group_is_a_panel_not_a_result() -> None:
    """A lab group (hasMember, no value) is skipped; its uncategorised members get its code."""
    member = lab_observation(id="m1", category=[])
    group = {
        "resourceType": "Observation",
        "id": "fbc",
        "status": "final",
        "category": [LAB],
        "code": {"coding": [{"system": SNOMED, "code": "26604007", "display": "Full blood count"}]},
        "subject": {"reference": "Patient/pat-1"},
        "hasMember": [{"reference": "Observation/m1"}],
    }
    result = run(bundle(group, member))
    assert result.skipped == {"Observation(group)": 1}
    assert [e.payload["panel"]["code"] for e in result.events] == ["26604007"]


def test_components_give_one_result_each() -> None:
    """Each component is a result with a suffixed record id and the parent code as panel."""
    observation = lab_observation(
        code={
            "coding": [{"system": LOINC, "code": "57021-8", "display": "CBC W Auto Differential"}]
        },
        component=[
            {
                "code": {"coding": [{"system": LOINC, "code": "6690-2"}]},
                "valueQuantity": {"value": 7.1, "unit": "10*9/L"},
            },
            {
                "code": {"coding": [{"system": LOINC, "code": "789-8"}]},
                "valueQuantity": {"value": 4.6, "unit": "10*12/L"},
            },
        ],
    )
    del observation["valueQuantity"]
    events = run(observation).events
    assert [
        (
            e.payload["header"]["source_record_id"],
            e.payload["code"]["code"],
            e.payload["value_quantity"],
            e.payload["panel"]["code"],
        )
        for e in events
    ] == [
        ("Observation/obs-1#component-0", "6690-2", 7.1, "57021-8"),
        ("Observation/obs-1#component-1", "789-8", 4.6, "57021-8"),
    ]
    assert len({e.payload["header"]["event_id"] for e in events}) == 2


def test_parent_with_its_own_value_and_components_gives_both() -> None:
    """An Observation with a value and components is itself a result as well."""
    observation = lab_observation(
        component=[{"code": {"coding": [{"system": LOINC, "code": "1"}]}, "valueString": "x"}]
    )
    ids = [e.payload["header"]["source_record_id"] for e in run(observation).events]
    assert ids == ["Observation/obs-1", "Observation/obs-1#component-0"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("registered", "PRELIMINARY"),
        ("preliminary", "PRELIMINARY"),
        ("final", "FINAL"),
        ("amended", "AMENDED"),
        ("corrected", "AMENDED"),
        ("cancelled", "CANCELLED"),
        ("entered-in-error", "CANCELLED"),
        ("unknown", "PRELIMINARY"),
    ],
)
def test_status_table(status: str, expected: str) -> None:
    """Observation status maps to the result status enum."""
    assert result_payload(lab_observation(status=status))["status"] == expected


def test_entered_in_error_sets_the_operation() -> None:
    """entered-in-error is an ENTERED_IN_ERROR operation."""
    header = result_payload(lab_observation(status="entered-in-error"))["header"]
    assert header["operation"] == "ENTERED_IN_ERROR"


@pytest.mark.parametrize(
    ("code", "flag"),
    [
        ("N", "NORMAL"),
        ("L", "LOW"),
        ("H", "HIGH"),
        ("LL", "CRITICAL_LOW"),
        ("HH", "CRITICAL_HIGH"),
        ("A", "ABNORMAL"),
        ("AA", "ABNORMAL"),
        ("LU", "LOW"),
        ("HU", "HIGH"),
        ("POS", "UNKNOWN"),
    ],
)
def test_interpretation_table(code: str, flag: str) -> None:
    """v3 interpretation codes map to the abnormal flag; others are UNKNOWN."""
    observation = lab_observation(interpretation=[{"coding": [{"code": code}]}])
    assert result_payload(observation)["abnormal_flag"] == flag


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {
                "valueQuantity": {
                    "value": 47,
                    "unit": "g/L",
                    "system": "http://unitsofmeasure.org",
                    "code": "g/L",
                }
            },
            (47.0, None, "g/L"),
        ),
        ({"valueQuantity": {"value": 5, "unit": "mmol per litre"}}, (5.0, None, "mmol per litre")),
        ({"valueQuantity": {"value": 5, "comparator": "<", "unit": "mg/L"}}, (None, "<5", "mg/L")),
        ({"valueString": "Haemolysed sample"}, (None, "Haemolysed sample", None)),
        (
            {
                "valueCodeableConcept": {
                    "coding": [{"system": SNOMED, "code": "10828004", "display": "Positive"}]
                }
            },
            (None, "Positive", None),
        ),
        ({"valueBoolean": False}, (None, "false", None)),
        ({"valueInteger": 3}, (3.0, None, None)),
        ({"valueRange": {"low": {"value": 1.5}, "high": {"value": 3}}}, (None, "1.5-3", None)),
        (
            {"valueRatio": {"numerator": {"value": 1}, "denominator": {"value": 128}}},
            (None, "1:128", None),
        ),
        (
            {
                "dataAbsentReason": {
                    "coding": [{"code": "not-performed", "display": "Not Performed"}]
                }
            },
            (None, "Not Performed", None),
        ),
        ({}, (None, None, None)),
    ],
)
def test_value_table(value: dict[str, Any], expected: tuple[Any, Any, Any]) -> None:
    """Each value[x] becomes value_quantity, value_text and unit as documented."""
    observation = lab_observation()
    del observation["valueQuantity"]
    observation.update(value)
    payload = result_payload(observation)
    assert (payload["value_quantity"], payload["value_text"], payload["unit"]) == expected


def test_specimen_and_performing_lab_from_the_bundle() -> None:
    """Specimen type text and the laboratory's ODS code come from referenced resources."""
    specimen = {"resourceType": "Specimen", "id": "sp1", "type": {"text": "Serum"}}
    lab = {
        "resourceType": "Organization",
        "id": "lab1",
        "identifier": [
            {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RXX01"}
        ],
    }
    observation = lab_observation(
        specimen={"reference": "Specimen/sp1"},
        performer=[
            {"reference": "Organization/lab1"},
            {"reference": "Practitioner/p1", "display": "Dr A Person"},
        ],
    )
    payload = run(bundle(observation, specimen, lab)).events[0].payload
    assert (payload["specimen"], payload["performer_org"]) == ("Serum", "RXX01")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"code": {"text": "Potassium"}}, "Observation.code: no coding"),
        ({"subject": None}, "Observation.subject: missing"),
        (
            {"effectiveDateTime": None, "issued": None},
            "Observation.effective[x]: missing (and no issued or meta.lastUpdated)",
        ),
        (
            {"effectiveDateTime": "2024-05-01T09:30:00"},
            "Observation.effectiveDateTime: time without a time zone",
        ),
        ({"status": "done"}, "Observation.status: missing or not an R4 status"),
    ],
)
def test_rejections_are_field_level(change: dict[str, Any], reason: str) -> None:
    """An unmappable Observation is rejected with the field and the rule."""
    observation = lab_observation()
    for key, value in change.items():
        if value is None:
            observation.pop(key, None)
        else:
            observation[key] = value
    result = run(observation)
    assert result.events == []
    assert [(r.location, r.reason) for r in result.rejections] == [("Observation", reason)]
