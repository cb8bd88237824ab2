"""AL1 segments of demographic ADT messages -> allergy events (schema ``allergy``).

A sender lists a patient's allergies as AL1 segments after PID in A01, A04, A05, A08, A28 and
A31 (the triggers that carry demographics). AL1 has no stable id of its own (AL1-1 is a
position in the message), so the item is the patient's allergen: ``source_record_id`` is
``<local patient id>/AL1/<allergen code>``, and a later message naming the same allergen
replaces it (the version is MSH-7). An allergy dropped from a later list is not withdrawn:
AL1 carries no action code, so its absence is not taken as a removal.

- AL1-2 allergen type (table 0127): DA drug -> MEDICATION, FA food -> FOOD, EA environmental,
  AA animal, PA plant, LA pollen -> ENVIRONMENT; MA and MC name no category. Every type but
  MC (a contraindication) is an ALLERGY.
- AL1-3 allergen code (CE/CWE, see :mod:`producers.hl7v2.coding`): an AL1 without one is
  counted in ``skipped`` (the demographics of the message still map).
- AL1-4 severity (table 0128): SV severe, MO moderate, MI mild -> ``reaction_severity``.
- AL1-6 identification date -> ``onset_date`` (a calendar date as written).
- AL1-5 reactions are free text: no code to keep, so they are dropped on purpose.
Clinical status is ACTIVE (a listed allergy is current), verification UNKNOWN.
"""

from __future__ import annotations

from datetime import datetime

from producers.hl7v2.coding import coded
from producers.hl7v2.header import MessageContext
from producers.hl7v2.identity import PatientIdentity
from producers.hl7v2.message import Message, Segment
from producers.hl7v2.timestamps import parse_date
from producers.model import AdapterResult
from schemas.events import RecordType, SourceEvent

CATEGORY = {"DA": "MEDICATION", "FA": "FOOD", "EA": "ENVIRONMENT", "AA": "ENVIRONMENT",
            "PA": "ENVIRONMENT", "LA": "ENVIRONMENT"}  # fmt: skip
SEVERITY = {"SV": "SEVERE", "MO": "MODERATE", "MI": "MILD"}


NO_ALLERGEN_CODE = "AL1 without allergen code (AL1-3)"


def add_allergies(
    result: AdapterResult, message: Message, ctx: MessageContext, *,
    identity: PatientIdentity, occurred: datetime,
) -> None:  # fmt: skip
    """An allergy event per coded AL1 segment of ``message`` into ``result`` (uncoded ones
    counted in ``skipped``); MappingError names a malformed field."""
    for index, al1 in message.indexed("AL1"):
        result.add(_event(index, al1, ctx, identity, occurred), or_skip_as=NO_ALLERGEN_CODE)


def _event(index: int, al1: Segment, ctx: MessageContext, identity: PatientIdentity,
           occurred: datetime) -> SourceEvent | None:  # fmt: skip
    code = coded(al1.first(3))
    if code is None:
        return None
    kind = (al1.get(2) or "").upper()
    identified = al1.get(6)
    record_id = f"{identity.local_patient_id}/AL1/{code['code']}"
    payload = {
        "header": ctx.header(
            index=index, identity=identity, source_record_id=record_id, occurred_at=occurred
        ),
        "code": code,
        "clinical_status": "ACTIVE",
        "verification_status": "UNKNOWN",
        "allergy_type": "UNKNOWN" if kind in ("MC", "") else "ALLERGY",
        "categories": [CATEGORY[kind]] if kind in CATEGORY else [],
        "criticality": "UNKNOWN",
        "onset_date": parse_date(identified, field="AL1-6") if identified else None,
        "reactions": [],
        "reaction_severity": SEVERITY.get((al1.get(4) or "").upper()),
    }
    return SourceEvent(RecordType.ALLERGY, payload)
