"""AllergyIntolerance -> allergy events (schema ``allergy``).

The substance or allergy is ``code``, SNOMED CT then dm+d preferred (an AllergyIntolerance
without a coded ``code`` is rejected). ``type``, ``category`` and ``criticality`` are R4 codes
mapped one to one; each reaction's ``manifestation`` codes become ``reactions`` (uncoded ones are
dropped) and the most severe reaction ``severity`` is kept. ``onsetDateTime`` or
``onsetPeriod.start`` is the onset date as written.

``verificationStatus`` ``entered-in-error`` makes the event ENTERED_IN_ERROR (see
:mod:`producers.fhir.header`). Dropped on purpose: reaction substances, descriptions, notes,
exposure routes, recorders and asserters (people).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producers.fhir.codes import CodeSystem, code_from, optional_code
from producers.fhir.elements import Json, child, coding_codes, items, meta_of, string
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.times import date_at, first_timestamp
from schemas.events import RecordType, SourceEvent

CLINICAL_STATUS = {"active": "ACTIVE", "inactive": "INACTIVE", "resolved": "RESOLVED"}
VERIFICATION_STATUS = {"unconfirmed": "UNCONFIRMED", "confirmed": "CONFIRMED", "refuted": "REFUTED"}
TYPE = {"allergy": "ALLERGY", "intolerance": "INTOLERANCE"}
CATEGORY = {"food": "FOOD", "medication": "MEDICATION", "environment": "ENVIRONMENT",
            "biologic": "BIOLOGIC"}  # fmt: skip
CRITICALITY = {"low": "LOW", "high": "HIGH", "unable-to-assess": "UNABLE_TO_ASSESS"}
SEVERITY = ("MILD", "MODERATE", "SEVERE")
_SUBSTANCE_PREFERENCE = (CodeSystem.SNOMED, CodeSystem.DMD)


def map_allergy(ctx: Context) -> list[SourceEvent]:
    """One allergy event for an AllergyIntolerance."""
    resource = ctx.resource
    patient = referenced_patient(resource, "patient", ctx.document)
    occurred, recorded = _times(resource)
    code = code_from(
        child(resource, "code"), "AllergyIntolerance.code", prefer=_SUBSTANCE_PREFERENCE
    )
    payload = {
        "header": header(
            ctx, RecordType.ALLERGY, patient=patient, occurred_at=occurred, recorded_at=recorded
        ),
        "code": code,
        "clinical_status": _status(child(resource, "clinicalStatus"), CLINICAL_STATUS),
        "verification_status": _status(child(resource, "verificationStatus"), VERIFICATION_STATUS),
        "allergy_type": TYPE.get(string(resource, "type") or "", "UNKNOWN"),
        "categories": _categories(resource),
        "criticality": CRITICALITY.get(string(resource, "criticality") or "", "UNKNOWN"),
        "onset_date": date_at(resource, "onsetDateTime", "AllergyIntolerance.onsetDateTime")
        or date_at(child(resource, "onsetPeriod"), "start", "AllergyIntolerance.onsetPeriod.start"),
        **_reactions(resource),
    }
    return [SourceEvent(RecordType.ALLERGY, payload)]


def _status(concept: Json | None, table: dict[str, str]) -> str:
    return next((table[code] for code in sorted(coding_codes(concept)) if code in table), "UNKNOWN")


def _categories(resource: Json) -> list[str]:
    given = resource.get("category")
    found = [CATEGORY[c] for c in given or () if isinstance(c, str) and c in CATEGORY]
    return list(dict.fromkeys(found))


def _reactions(resource: Json) -> dict[str, Any]:
    codes: list[dict[str, Any]] = []
    worst = -1
    for index, reaction in enumerate(items(resource, "reaction")):
        path = f"AllergyIntolerance.reaction[{index}].manifestation"
        for concept in items(reaction, "manifestation"):
            code = optional_code(concept, path, prefer=(CodeSystem.SNOMED,))
            if code is not None and code not in codes:
                codes.append(code)
        severity = (string(reaction, "severity") or "").upper()
        if severity in SEVERITY:
            worst = max(worst, SEVERITY.index(severity))
    return {"reactions": codes, "reaction_severity": SEVERITY[worst] if worst >= 0 else None}


def _times(resource: Json) -> tuple[datetime, datetime]:
    kind = "AllergyIntolerance"
    updated = (meta_of(resource), "lastUpdated", f"{kind}.meta.lastUpdated")
    recorded_date = (resource, "recordedDate", f"{kind}.recordedDate")
    own = [
        (resource, "onsetDateTime", f"{kind}.onsetDateTime"),
        (child(resource, "onsetPeriod"), "start", f"{kind}.onsetPeriod.start"),
        recorded_date,
    ]
    occurred = first_timestamp(*own, updated)
    if occurred is None:
        raise MappingError(f"{kind}.recordedDate: missing (and no other time of record)")
    recorded = first_timestamp(recorded_date, updated)
    return occurred, recorded or occurred
