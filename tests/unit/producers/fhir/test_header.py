"""The shared event header: deterministic ids, versions, operations and confidentiality."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from producers.fhir.document import Document, Entry
from producers.fhir.header import (
    EVENT_ID_NAMESPACE,
    confidentiality_of,
    operation_of,
    record_version,
)

from .builders import ORG, bundle, lab_observation, run

_CONF = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def test_event_id_is_uuid5_of_org_type_record_version_and_operation() -> None:
    """The event id is reproducible from its parts (so a re-run yields the same ids)."""
    event = run(lab_observation(meta={"versionId": "7"})).events[0]
    expected = uuid.uuid5(EVENT_ID_NAMESPACE, f"{ORG}|result|Observation/obs-1|7|UPSERT")
    assert event.payload["header"]["event_id"] == str(expected)
    assert uuid.UUID(event.payload["header"]["event_id"]).version == 5


def test_new_version_or_operation_gives_a_new_event_id() -> None:
    """Two versions, or an upsert and a delete, never share an event id."""
    v1 = run(lab_observation(meta={"versionId": "1"})).events[0].payload["header"]["event_id"]
    v2 = run(lab_observation(meta={"versionId": "2"})).events[0].payload["header"]["event_id"]
    erroneous = lab_observation(meta={"versionId": "1"}, status="entered-in-error")
    v1_eie = run(erroneous).events[0].payload["header"]["event_id"]
    assert len({v1, v2, v1_eie}) == 3


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"versionId": "12"}, 12),
        ({"versionId": "W/abc", "lastUpdated": "2024-05-01T10:00:00Z"}, 1714557600000),
        ({"lastUpdated": "2024-05-01T11:00:00+01:00"}, 1714557600000),
        ({"lastUpdated": "not a time"}, 1),
        ({}, 1),
    ],
)
def test_record_version(meta: dict[str, Any], expected: int) -> None:
    """versionId if an integer, else lastUpdated in epoch millis, else 1."""
    assert record_version({"meta": meta}) == expected


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        ("final", None, "UPSERT"),
        ("final", "PUT", "UPSERT"),
        ("entered-in-error", "POST", "ENTERED_IN_ERROR"),
        ("final", "DELETE", "DELETE"),
        ("entered-in-error", "DELETE", "DELETE"),
    ],
)
def test_operation(status: str, method: str | None, expected: str) -> None:
    """DELETE requests win, then entered-in-error, else UPSERT."""
    resource = {"resourceType": "Observation", "status": status}
    assert operation_of(resource, Entry(resource=resource, method=method)) == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([{"system": _CONF, "code": "R"}], ["R"]),
        ([{"system": _CONF, "code": "V"}, {"system": _CONF, "code": "R"}], ["R", "V"]),
        ([{"system": _CONF, "code": "U"}], []),
        ([{"system": _CONF, "code": "N"}], []),
        ([{"system": _ACT, "code": "SEX"}, {"system": _ACT, "code": "STD"}], ["sexual-health"]),
        ([{"system": _ACT, "code": "PSY"}], ["mental-health"]),
        ([{"system": _ACT, "code": "HIV"}, {"system": _CONF, "code": "R"}], ["R", "hiv"]),
        ([{"system": _ACT, "code": "ETH"}], ["substance-misuse"]),
        ([{"system": "http://other", "code": "R"}], []),
    ],
)
def test_confidentiality_labels(labels: list[dict[str, str]], expected: list[str]) -> None:
    """Restrictive labels and sensitivity categories are kept, sorted; others are dropped."""
    assert confidentiality_of({"meta": {"security": labels}}) == expected


def test_source_record_id_uses_urn_uuid_when_id_is_missing() -> None:
    """A resource without id in a transaction is identified by its entry's urn:uuid."""
    observation = lab_observation()
    del observation["id"]
    result = run(bundle(observation, kind="transaction"))
    header = result.events[0].payload["header"]
    assert header["source_record_id"] == "Observation/00000000-0000-4000-8000-000000000000"


def test_document_full_url_lookup_is_per_resource() -> None:
    """The document remembers which fullUrl held which resource."""
    observation = lab_observation()
    doc = Document.of(bundle(observation))
    assert doc.full_url_of(observation) == "urn:uuid:00000000-0000-4000-8000-000000000000"
