"""Small, valid, synthetic source events with written-out values, one builder per record type.

Every NHS number is from the 999 test range; names and places are invented.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

from schemas.events import RecordType, SourceEvent
from schemas.nhs_number import test_number

OCCURRED_AT = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
RECORDED_AT = datetime(2024, 3, 1, 9, 45, tzinfo=UTC)
NHS_NUMBER = test_number(1)  # 9990000026


def header(**overrides: Any) -> dict[str, Any]:
    """A complete header for a synthetic patient at a synthetic organisation."""
    value: dict[str, Any] = {
        "event_id": "0b1f6c1e-8d7a-4c1e-9f00-000000000001",
        "org": "RXX01",
        "source_system": "test-pas",
        "local_patient_id": "MRN0001",
        "nhs_number": str(NHS_NUMBER),
        "nhs_number_status": "VERIFIED",
        "source_record_id": "item-1",
        "record_version": 1,
        "occurred_at": OCCURRED_AT,
        "recorded_at": RECORDED_AT,
        "operation": "UPSERT",
        "confidentiality": [],
    }
    value.update(overrides)
    return value


_BODIES: dict[RecordType, dict[str, Any]] = {
    RecordType.PATIENT: {
        "given_names": ["Testy", "Ann"],
        "family_name": "Example",
        "birth_date": date(1970, 5, 17),
        "sex": "FEMALE",
        "postcode": "LU1 1AA",
        "address_lines": ["1 Test Street", "Luton"],
        "phone": None,
        "deceased_at": None,
        "registered_gp_practice": "E81001",
        "merged_local_patient_ids": [],
        "previous_local_patient_id": None,
        "preferred_language": "en",
    },
    RecordType.RESULT: {
        "code": {"system": "LOINC", "code": "2345-7", "display": "Glucose"},
        "panel": None,
        "status": "FINAL",
        "value_quantity": 5.4,
        "value_text": None,
        "unit": "mmol/L",
        "reference_low": 3.5,
        "reference_high": 7.8,
        "reference_text": None,
        "abnormal_flag": "NORMAL",
        "specimen": "blood",
        "issued_at": RECORDED_AT,
        "performer_org": "RXX01",
        "category": "LABORATORY",
    },
    RecordType.MEDICATION: {
        "medication": {"system": "DMD", "code": "322236009", "display": "Paracetamol 500mg"},
        "kind": "REQUEST",
        "status": "ACTIVE",
        "course": "ACUTE",
        "dose_text": "1 tablet four times a day",
        "dose_quantity": 1.0,
        "dose_unit": "tablet",
        "route": "oral",
        "frequency": "QDS",
        "start_date": date(2024, 3, 1),
        "end_date": date(2024, 3, 8),
        "prescriber": "Dr Test",
    },
    RecordType.ENCOUNTER: {
        "encounter_class": "OUTPATIENT",
        "status": "FINISHED",
        "period_start": OCCURRED_AT,
        "period_end": RECORDED_AT,
        "service": "diabetes",
        "location": "Clinic A",
        "reason": {"system": "SNOMED", "code": "44054006", "display": "Type 2 diabetes"},
    },
    RecordType.CONDITION: {
        "code": {"system": "SNOMED", "code": "44054006", "display": "Type 2 diabetes"},
        "category": "PROBLEM",
        "clinical_status": "ACTIVE",
        "verification_status": "CONFIRMED",
        "severity": "moderate",
        "onset_date": date(2019, 5, 2),
        "abatement_date": None,
        "asserter_org": "A81001",
    },
    RecordType.ALLERGY: {
        "code": {"system": "SNOMED", "code": "91936005", "display": "Allergy to penicillin"},
        "clinical_status": "ACTIVE",
        "verification_status": "CONFIRMED",
        "allergy_type": "ALLERGY",
        "categories": ["MEDICATION"],
        "criticality": "HIGH",
        "onset_date": date(2001, 7, 1),
        "reactions": [{"system": "SNOMED", "code": "271807003", "display": "Rash"}],
        "reaction_severity": "MODERATE",
    },
    RecordType.IMMUNISATION: {
        "vaccine": {"system": "SNOMED", "code": "1181000221105", "display": "Influenza vaccine"},
        "status": "COMPLETED",
        "occurrence_date": date(2023, 10, 12),
        "primary_source": True,
        "lot_number": "FLU-123",
        "site": "Left upper arm",
        "route": "Intramuscular",
        "dose_number": 1,
        "performer_org": "A81001",
    },
    RecordType.PROCEDURE: {
        "code": {"system": "SNOMED", "code": "80146002", "display": "Appendicectomy"},
        "status": "COMPLETED",
        "performed_start": datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        "performed_end": datetime(2024, 3, 1, 10, 15, tzinfo=UTC),
        "body_site": "Appendix",
        "outcome": "Successful",
        "reasons": [{"system": "SNOMED", "code": "74400008", "display": "Appendicitis"}],
        "performer_org": "RC9",
    },
    RecordType.DOCUMENT: {
        "type": {"system": "LOINC", "code": "18842-5", "display": "Discharge summary"},
        "status": "CURRENT",
        "date": datetime(2024, 3, 2, 16, 0, tzinfo=UTC),
        "description": "Discharge summary after appendicectomy",
        "author_org": "RC9",
        "title": "Discharge summary",
        "content_type": "application/pdf",
        "url": "https://documents.example.nhs.uk/RC9/ds-1.pdf",
        "data": None,
        "size": 48213,
    },
    RecordType.CONSENT: {
        "scope": "SHARED_CARE_RECORD",
        "decision": "PERMIT",
        "withheld_record_ids": [],
        "effective_to": None,
    },
}


def payload(record_type: RecordType, **overrides: Any) -> dict[str, Any]:
    """A complete valid payload of ``record_type``; top-level ``overrides`` replace fields."""
    value = {"header": header(), **copy.deepcopy(_BODIES[record_type])}
    value.update(overrides)
    return value


def event(record_type: RecordType, **overrides: Any) -> SourceEvent:
    """A valid :class:`SourceEvent` of ``record_type`` (see :func:`payload`)."""
    return SourceEvent(record_type, payload(record_type, **overrides))
