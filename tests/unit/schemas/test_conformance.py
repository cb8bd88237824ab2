"""Conformance of payloads to schemas: every mismatch as a path and a rule, never a value."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.conformance import FieldProblem, conformance_problems, enum_rule
from schemas.events import RecordType
from schemas.registry import default_registry
from tests.unit.schemas import samples
from tests.unit.schemas.avro_strategies import payloads


def _problems(record_type: RecordType, payload: dict[str, Any]) -> list[str]:
    schema = default_registry().newest(record_type.value).parsed
    return [str(p) for p in conformance_problems(schema, payload, root=record_type.value)]


@pytest.mark.parametrize("record_type", list(RecordType))
def test_samples_conform(record_type: RecordType) -> None:
    """The sample event of each record type has no conformance problems."""
    assert _problems(record_type, samples.payload(record_type)) == []


@pytest.mark.parametrize(
    ("record_type", "changes", "expected"),
    [
        (
            RecordType.PATIENT,
            {"given_names": "Testy", "birth_date": datetime(1970, 5, 17, tzinfo=UTC)},
            [
                "patient.given_names: expected a list",
                "patient.birth_date: expected a date (not a datetime)",
            ],
        ),
        (
            RecordType.PATIENT,
            {"given_names": ["Testy", 7], "sex": "F"},
            [
                "patient.given_names[1]: expected text",
                "patient.sex: unknown sex (expected one of MALE, FEMALE, OTHER, UNKNOWN)",
            ],
        ),
        (
            RecordType.ENCOUNTER,
            {"period_start": datetime(2024, 1, 1), "reason": {"system": "SNOMED"}},
            [
                "encounter.period_start: timestamp must be timezone-aware",
                "encounter.reason.code: required field missing",
            ],
        ),
        (
            RecordType.ENCOUNTER,
            {"period_end": date(2024, 1, 1), "encounter_class": None},
            [
                "encounter.encounter_class: unknown encounter class (expected one of INPATIENT, "
                "OUTPATIENT, EMERGENCY, AMBULATORY, HOME, VIRTUAL, COMMUNITY, OTHER)",
                "encounter.period_end: expected a timezone-aware datetime",
            ],
        ),
        (
            RecordType.CONSENT,
            {"header": "x", "withheld_record_ids": ("a", b"b")},
            [
                "consent.header: expected a record (mapping of fields)",
                "consent.withheld_record_ids[1]: expected text",
            ],
        ),
        (
            RecordType.RESULT,
            {"value_quantity": True, "panel": {"system": "LOINC", "code": "x", "extra": 1}},
            [
                "result.panel.extra: unknown field (not in schema)",
                "result.value_quantity: expected a number",
            ],
        ),
        (
            RecordType.MEDICATION,
            {"start_date": 19783, "dose_quantity": 2},
            [],
        ),
    ],
)
def test_conformance_collects_every_problem(
    record_type: RecordType, changes: dict[str, Any], expected: list[str]
) -> None:
    """All mismatches are reported in schema order, each as 'path: rule'."""
    assert _problems(record_type, samples.payload(record_type, **changes)) == expected


def test_header_range_and_enum_problems() -> None:
    """Out-of-range longs and unknown header enums are reported with their paths."""
    header = samples.header(record_version=2**63, operation="UPDATE", nhs_number_status=None)
    assert _problems(RecordType.CONSENT, samples.payload(RecordType.CONSENT, header=header)) == [
        "consent.header.nhs_number_status: unknown nhs number status (expected one of VERIFIED, "
        "UNVERIFIED, TRACE_REQUIRED, TRACE_FAILED, NEEDS_RESOLUTION, ABSENT)",
        "consent.header.record_version: expected a 64-bit integer",
        "consent.header.operation: unknown operation (expected one of UPSERT, DELETE, "
        "ENTERED_IN_ERROR)",
    ]


def test_problem_messages_never_hold_values() -> None:
    """A wrongly typed name or NHS number is reported without the value itself."""
    header = samples.header(nhs_number=9990000026)
    payload = samples.payload(RecordType.PATIENT, header=header, family_name=["Example"])
    text = " ".join(_problems(RecordType.PATIENT, payload))
    assert "9990000026" not in text
    assert "Example" not in text
    assert "patient.family_name: expected text" in text


def test_enum_rule_words_the_enum_name() -> None:
    """Enum names in CamelCase become lower-case words in the rule."""
    rule = enum_rule({"name": "uk.mcr.CodeSystem", "symbols": ["SNOMED", "LOINC"]})
    assert rule == "unknown code system (expected one of SNOMED, LOINC)"


def test_field_problem_str_without_path() -> None:
    """A problem at the root prints just its rule."""
    assert str(FieldProblem("", "expected a record (mapping of fields)")) == (
        "expected a record (mapping of fields)"
    )


@pytest.mark.parametrize("name", default_registry().names())
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_generated_payloads_conform(name: str, data: st.DataObject) -> None:
    """Any payload the schema accepts has no conformance problems (no false alarms)."""
    schema = default_registry().newest(name).parsed
    assert conformance_problems(schema, data.draw(payloads(schema))) == []
