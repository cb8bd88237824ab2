"""Encounter -> encounter event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from producers.fhir.encounters import encounter_class

from .builders import SNOMED, bundle, encounter, run

_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_V2 = "http://terminology.hl7.org/CodeSystem/v2-0004"


@pytest.mark.parametrize(
    ("coding", "expected"),
    [
        ({"system": _ACT, "code": "AMB"}, "AMBULATORY"),
        ({"system": _ACT, "code": "IMP"}, "INPATIENT"),
        ({"system": _ACT, "code": "ACUTE"}, "INPATIENT"),
        ({"system": _ACT, "code": "NONAC"}, "INPATIENT"),
        ({"system": _ACT, "code": "SS"}, "INPATIENT"),
        ({"system": _ACT, "code": "EMER"}, "EMERGENCY"),
        ({"system": _ACT, "code": "HH"}, "HOME"),
        ({"system": _ACT, "code": "VR"}, "VIRTUAL"),
        ({"system": _ACT, "code": "FLD"}, "COMMUNITY"),
        ({"system": _ACT, "code": "PRENC"}, "OTHER"),
        ({"system": _V2, "code": "O"}, "OUTPATIENT"),
        ({"system": _V2, "code": "I"}, "INPATIENT"),
        ({"system": _V2, "code": "E"}, "EMERGENCY"),
        ({"system": "http://acme.org", "code": "O"}, "OTHER"),
        ({"code": "outpatient"}, "OUTPATIENT"),
        ({"code": "Inpatient"}, "INPATIENT"),
        ({"code": "AMB"}, "AMBULATORY"),
        (None, "OTHER"),
    ],
)
def test_class_table(coding: dict[str, Any] | None, expected: str) -> None:
    """Encounter.class maps through v3-ActCode, v2-0004 and plain words; else OTHER."""
    assert encounter_class(coding) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("planned", "PLANNED"),
        ("arrived", "ARRIVED"),
        ("triaged", "ARRIVED"),
        ("in-progress", "IN_PROGRESS"),
        ("onleave", "IN_PROGRESS"),
        ("finished", "FINISHED"),
        ("cancelled", "CANCELLED"),
        ("entered-in-error", "CANCELLED"),
        ("unknown", "UNKNOWN"),
    ],
)
def test_status_table(status: str, expected: str) -> None:
    """Encounter status maps to the schema enum."""
    assert run(encounter(status=status)).events[0].payload["status"] == expected


def test_full_encounter_event() -> None:
    """Period, service, location and reason are filled; the location name comes from the Bundle."""
    location = {"resourceType": "Location", "id": "loc1", "name": "Ward 7"}
    visit = encounter(
        serviceType={
            "coding": [{"system": SNOMED, "code": "394802001", "display": "General medicine"}]
        },
        type=[{"text": "Follow-up"}],
        location=[{"location": {"reference": "Location/loc1"}}],
        reasonCode=[
            {"text": "uncoded"},
            {"coding": [{"system": SNOMED, "code": "29857009", "display": "Chest pain"}]},
        ],
    )
    payload = run(bundle(visit, location)).events[0].payload
    header = payload.pop("header")
    assert payload == {
        "encounter_class": "AMBULATORY",
        "status": "FINISHED",
        "period_start": datetime(2024, 4, 1, 9, tzinfo=UTC),
        "period_end": datetime(2024, 4, 1, 9, 20, tzinfo=UTC),
        "service": "General medicine",
        "location": "Ward 7",
        "reason": {"system": "SNOMED", "code": "29857009", "display": "Chest pain"},
    }
    assert header["occurred_at"] == datetime(2024, 4, 1, 9, tzinfo=UTC)


def test_service_falls_back_to_type() -> None:
    """Without serviceType the first type's text is the service."""
    payload = (
        run(
            encounter(
                type=[
                    {
                        "coding": [
                            {
                                "system": SNOMED,
                                "code": "185212007",
                                "display": "Seen in hospital ward",
                            }
                        ]
                    }
                ]
            )
        )
        .events[0]
        .payload
    )
    assert payload["service"] == "Seen in hospital ward"


def test_encounter_without_start_or_update_time_rejects() -> None:
    """No period.start and no meta.lastUpdated: nothing says when it happened."""
    result = run(encounter(period={"end": "2024-04-01T10:00:00Z"}))
    assert [r.reason for r in result.rejections] == [
        "Encounter.period.start: missing (and no meta.lastUpdated)"
    ]
