"""Builders of synthetic source records for identity tests (999-range NHS numbers only)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from schemas.codec import decode, encode
from schemas.events import RecordType, SourceEvent, organisation_topic
from schemas.nhs_number import test_number
from streams.identity.demographics import Demographics, NhsStatus

ANNA = Demographics(
    org="RD8",
    local_id="H100",
    nhs_number=test_number(1),
    nhs_status=NhsStatus.VERIFIED,
    given_name="Anna",
    family_name="Kowalski",
    birth_date=date(1984, 3, 7),
    sex="FEMALE",
    postcode="LU1 2AB",
    address="12 High Street, Luton",
)

UNTRACED_ANNA = Demographics(
    org="RD8",
    local_id="H9",
    nhs_status=NhsStatus.ABSENT,
    given_name="Ann",
    family_name="Nowak",
    birth_date=ANNA.birth_date,
    sex=ANNA.sex,
    postcode="MK9 1AA",
    address="3 Church Road, Milton Keynes",
)
"""Anna at a hospital that has not traced her NHS number, under a name and address too far
from hers to link: a new person until the number is traced."""


def record(base: Demographics = ANNA, **changes: Any) -> Demographics:
    """``base`` with ``changes`` applied (org, local id, any demographic)."""
    return replace(base, **changes)


def twin_of(base: Demographics = ANNA, **changes: Any) -> Demographics:
    """A twin: same family name, birth date and address; another given name and NHS number."""
    defaults: dict[str, Any] = {
        "given_name": "Maria",
        "nhs_number": test_number(2),
        "local_id": "H200",
    }
    return replace(base, **{**defaults, **changes})


def _header(d: Demographics, item: str) -> dict[str, Any]:
    when = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    return {
        "event_id": f"evt-{d.org}-{d.local_id}-{item}",
        "org": d.org,
        "source_system": "test-pas",
        "local_patient_id": d.local_id,
        "nhs_number": d.nhs_number,
        "nhs_number_status": d.nhs_status.value,
        "source_record_id": item,
        "record_version": 1,
        "occurred_at": when,
        "recorded_at": when,
        "operation": "UPSERT",
        "confidentiality": [],
    }


def patient_event(d: Demographics = ANNA, merged: list[str] | None = None) -> bytes:
    """An encoded patient event carrying ``d``'s demographics."""
    payload = {
        "header": _header(d, "patient"),
        "given_names": [d.given_name or "Anna"],
        "family_name": d.family_name,
        "birth_date": d.birth_date,
        "sex": d.sex or "UNKNOWN",
        "postcode": d.postcode,
        "address_lines": [d.address or ""],
        "phone": None,
        "deceased_at": None,
        "registered_gp_practice": None,
        "merged_local_patient_ids": merged or [],
        "previous_local_patient_id": None,
        "preferred_language": None,
    }
    return encode(SourceEvent(RecordType.PATIENT, payload))


def result_event(d: Demographics = ANNA) -> bytes:
    """An encoded result event of ``d`` (header only identity)."""
    payload = {
        "header": _header(d, "result-1"),
        "code": {"system": "LOINC", "code": "2345-7", "display": "Glucose"},
        "panel": None,
        "status": "FINAL",
        "value_quantity": 5.4,
        "value_text": None,
        "unit": "mmol/L",
        "reference_low": None,
        "reference_high": None,
        "reference_text": None,
        "abnormal_flag": None,
        "specimen": None,
        "issued_at": None,
        "performer_org": None,
    }
    return encode(SourceEvent(RecordType.RESULT, payload))


def source_topic_of(value: bytes) -> str:
    """The source topic an encoded event arrives on: its organisation's (``mcr.source.JUNK``
    for bytes that do not decode)."""
    try:
        return organisation_topic(decode(value).payload["header"]["org"])
    except Exception:  # junk: any topic will do, it is dead-lettered before the org check
        return "mcr.source.JUNK"
