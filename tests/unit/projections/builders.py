"""Builders of synthetic source events and identity changes for projection tests.

Only synthetic people: names are invented, NHS numbers come from the 999 test range.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from schemas.codec import encode, encode_record
from schemas.events import (
    PERSON_ID_HEADER,
    RECORD_TYPE_HEADER,
    SOURCE_OFFSET_HEADER,
    SOURCE_PARTITION_HEADER,
    SOURCE_TOPIC_HEADER,
    RecordType,
    SourceEvent,
    organisation_topic,
)
from schemas.nhs_number import test_number

T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
Headers = list[tuple[str, bytes]]


def header(
    *,
    org: str = "RC9",
    local_patient_id: str = "P001",
    source_record_id: str = "R001",
    version: int = 1,
    operation: str = "UPSERT",
    serial: int = 0,
) -> dict[str, Any]:
    """A source event header with synthetic defaults."""
    return {
        "event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{org}/{source_record_id}/{version}")),
        "org": org,
        "source_system": "synthetic-lims",
        "local_patient_id": local_patient_id,
        "nhs_number": test_number(serial),
        "nhs_number_status": "VERIFIED",
        "source_record_id": source_record_id,
        "record_version": version,
        "occurred_at": T0 + timedelta(minutes=version),
        "recorded_at": T0 + timedelta(minutes=version, seconds=30),
        "operation": operation,
        "confidentiality": [],
    }


def result_event(value: float = 5.4, **head: Any) -> SourceEvent:
    """A haemoglobin-like lab result."""
    return SourceEvent(
        RecordType.RESULT,
        {
            "header": header(**head),
            "code": {"system": "LOINC", "code": "718-7", "display": "Haemoglobin"},
            "panel": None,
            "status": "FINAL",
            "value_quantity": value,
            "value_text": None,
            "unit": "g/dL",
            "reference_low": 11.5,
            "reference_high": 16.5,
            "reference_text": None,
            "abnormal_flag": "NORMAL",
            "specimen": "blood",
            "issued_at": T0 + timedelta(hours=2),
            "performer_org": "RC9LAB",
            "category": "LABORATORY",
        },
    )


def medication_event(**head: Any) -> SourceEvent:
    """A repeat prescription of a common medicine."""
    return SourceEvent(
        RecordType.MEDICATION,
        {
            "header": header(**head),
            "medication": {
                "system": "DMD",
                "code": "39732311000001104",
                "display": "Amlodipine 5mg",
            },
            "kind": "REQUEST",
            "status": "ACTIVE",
            "course": "REPEAT",
            "dose_text": "one daily",
            "dose_quantity": 1.0,
            "dose_unit": "tablet",
            "route": "oral",
            "frequency": "daily",
            "start_date": date(2024, 2, 1),
            "end_date": None,
            "prescriber": "Y01234",
        },
    )


def encounter_event(**head: Any) -> SourceEvent:
    """An outpatient appointment."""
    return SourceEvent(
        RecordType.ENCOUNTER,
        {
            "header": header(**head),
            "encounter_class": "OUTPATIENT",
            "status": "FINISHED",
            "period_start": T0,
            "period_end": T0 + timedelta(minutes=20),
            "service": "Cardiology",
            "location": "Clinic 4",
            "reason": {"system": "SNOMED", "code": "38341003", "display": "Hypertension"},
        },
    )


def condition_event(**head: Any) -> SourceEvent:
    """A hypertension problem on a GP problem list."""
    return SourceEvent(
        RecordType.CONDITION,
        {
            "header": header(**head),
            "code": {"system": "SNOMED", "code": "38341003", "display": "Hypertension"},
            "category": "PROBLEM",
            "clinical_status": "ACTIVE",
            "verification_status": "CONFIRMED",
            "severity": None,
            "onset_date": date(2019, 5, 2),
            "abatement_date": None,
            "asserter_org": "RC9",
        },
    )


def allergy_event(**head: Any) -> SourceEvent:
    """A penicillin allergy with a rash."""
    return SourceEvent(
        RecordType.ALLERGY,
        {
            "header": header(**head),
            "code": {"system": "SNOMED", "code": "91936005", "display": "Allergy to penicillin"},
            "clinical_status": "ACTIVE",
            "verification_status": "CONFIRMED",
            "allergy_type": "ALLERGY",
            "categories": ["MEDICATION"],
            "criticality": "HIGH",
            "onset_date": None,
            "reactions": [{"system": "SNOMED", "code": "271807003", "display": "Rash"}],
            "reaction_severity": "MILD",
        },
    )


def immunisation_event(**head: Any) -> SourceEvent:
    """A flu vaccination given at the practice."""
    return SourceEvent(
        RecordType.IMMUNISATION,
        {
            "header": header(**head),
            "vaccine": {"system": "SNOMED", "code": "1181000221105", "display": "Influenza"},
            "status": "COMPLETED",
            "occurrence_date": date(2023, 10, 12),
            "primary_source": True,
            "lot_number": "FLU-123",
            "site": "Left upper arm",
            "route": "Intramuscular",
            "dose_number": 1,
            "performer_org": "RC9",
        },
    )


def procedure_event(**head: Any) -> SourceEvent:
    """An appendicectomy at the hospital."""
    return SourceEvent(
        RecordType.PROCEDURE,
        {
            "header": header(**head),
            "code": {"system": "SNOMED", "code": "80146002", "display": "Appendicectomy"},
            "status": "COMPLETED",
            "performed_start": datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
            "performed_end": datetime(2024, 3, 1, 10, 15, tzinfo=UTC),
            "body_site": "Appendix",
            "outcome": "Successful",
            "reasons": [{"system": "SNOMED", "code": "74400008", "display": "Appendicitis"}],
            "performer_org": "RC9",
        },
    )


def document_event(**head: Any) -> SourceEvent:
    """A short clinic letter attached inline."""
    return SourceEvent(
        RecordType.DOCUMENT,
        {
            "header": header(**head),
            "type": {"system": "LOINC", "code": "11488-4", "display": "Consult note"},
            "status": "CURRENT",
            "date": datetime(2024, 3, 2, 16, 0, tzinfo=UTC),
            "description": "Clinic letter",
            "author_org": "RC9",
            "title": "Letter",
            "content_type": "text/plain",
            "url": None,
            "data": b"Seen today.",
            "size": 11,
        },
    )


def patient_event(family_name: str = "Testpatient", **head: Any) -> SourceEvent:
    """Demographics of an invented patient."""
    return SourceEvent(
        RecordType.PATIENT,
        {
            "header": header(**head),
            "given_names": ["Alexa"],
            "family_name": family_name,
            "birth_date": date(1970, 1, 1),
            "sex": "FEMALE",
            "postcode": "LU1 1AA",
            "address_lines": ["1 Example Street"],
            "phone": None,
            "deceased_at": None,
            "registered_gp_practice": "E81001",
            "merged_local_patient_ids": [],
            "previous_local_patient_id": None,
            "preferred_language": None,
        },
    )


def consent_event(**head: Any) -> SourceEvent:
    """A shared-care-record objection (not projected)."""
    return SourceEvent(
        RecordType.CONSENT,
        {
            "header": header(**head),
            "scope": "SHARED_CARE_RECORD",
            "decision": "DENY",
            "withheld_record_ids": [],
            "effective_to": None,
        },
    )


def linked(event: SourceEvent, person_id: str) -> tuple[bytes, bytes, Headers]:
    """Key, value and headers of the event as the identity stage publishes it on mcr.linked."""
    headers = [
        (PERSON_ID_HEADER, person_id.encode()),
        (SOURCE_TOPIC_HEADER, organisation_topic(event.payload["header"]["org"]).encode()),
        (SOURCE_PARTITION_HEADER, b"0"),
        (SOURCE_OFFSET_HEADER, b"0"),
        (RECORD_TYPE_HEADER, event.record_type.value.encode()),
    ]
    return person_id.encode(), encode(event), headers


def identity_change(
    kind: str,
    person_id: str,
    *,
    previous: str | None = None,
    source_keys: tuple[str, ...] = (),
    occurred_at: datetime = T0,
) -> bytes:
    """An encoded identity_change record."""
    return encode_record(
        "identity_change",
        {
            "change_id": str(uuid.uuid4()),
            "kind": kind,
            "person_id": person_id,
            "previous_person_id": previous,
            "source_keys": list(source_keys),
            "rule": "operator",
            "score": None,
            "occurred_at": occurred_at,
        },
    )
