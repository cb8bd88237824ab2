"""ADT messages -> patient and encounter events.

Which trigger gives what (anything else, e.g. A09, A29, A41, A45, A60, goes to ``skipped``):

====== ============= ================================================= =========
trigger patient event encounter event (status)                          diagnoses
====== ============= ================================================= =========
A01    yes           IN_PROGRESS (admit)                               yes
A02    no            IN_PROGRESS (transfer: new location)              no
A03    no            FINISHED (discharge)                              yes
A04    yes           ARRIVED (registration)                            yes
A05    yes           PLANNED (pre-admission)                           yes
A06    no            IN_PROGRESS (outpatient -> inpatient)             yes
A07    no            IN_PROGRESS (inpatient -> outpatient)             yes
A08    yes           from PV1 dates, when PV1 carries a visit number   yes
A11    no            CANCELLED (cancel admit/registration)             no
A13    no            IN_PROGRESS (cancel discharge)                    yes
A28    yes           no (add person)                                   no
A31    yes           no (update person)                                no
A40    one per PID/MRG pair, with ``merged_local_patient_ids`` from MRG-1
A47    one per PID/MRG pair, with ``previous_local_patient_id`` from MRG-1
====== ============= ================================================= =========

Triggers with a patient event also give an allergy event per AL1 segment
(:mod:`producers.hl7v2.allergies`); triggers about a visit give a condition event
(DIAGNOSIS) per DG1 segment (:mod:`producers.hl7v2.diagnoses`). A02 has no DG1 in its
structure, a cancelled visit's diagnoses are not news, and A28/A31 have no visit. Every
trigger above but A40/A47 gives a procedure event per PR1 segment
(:mod:`producers.hl7v2.procedures`).

Patient events come only from triggers whose purpose is demographics, so a transfer or a
discharge with a sparse PID cannot blank a patient's details. An encounter needs a visit
number (PV1-19 or PV1-50) to have a stable id; a PV1 without one is counted in ``skipped``.
``occurred_at`` is EVN-6 (event occurred), else EVN-2 (recorded), else MSH-7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from producers.hl7v2.allergies import add_allergies
from producers.hl7v2.demographics import patient_fields
from producers.hl7v2.diagnoses import add_diagnoses
from producers.hl7v2.errors import MappingError
from producers.hl7v2.header import MessageContext, best_time
from producers.hl7v2.identity import is_nhs_identifier, local_identifier, patient_identity
from producers.hl7v2.message import Message, Segment
from producers.hl7v2.procedures import add_procedures
from producers.hl7v2.visits import derived_status, encounter_fields, visit_number
from producers.model import AdapterResult
from schemas.events import RecordType, SourceEvent

DERIVED = "DERIVED"
NO_VISIT_NUMBER = "PV1 without visit number (PV1-19)"


@dataclass(frozen=True)
class _Trigger:
    patient: bool
    encounter_status: str | None
    diagnoses: bool = True


TRIGGERS: dict[str, _Trigger] = {
    "A01": _Trigger(patient=True, encounter_status="IN_PROGRESS"),
    "A02": _Trigger(patient=False, encounter_status="IN_PROGRESS", diagnoses=False),
    "A03": _Trigger(patient=False, encounter_status="FINISHED"),
    "A04": _Trigger(patient=True, encounter_status="ARRIVED"),
    "A05": _Trigger(patient=True, encounter_status="PLANNED"),
    "A06": _Trigger(patient=False, encounter_status="IN_PROGRESS"),
    "A07": _Trigger(patient=False, encounter_status="IN_PROGRESS"),
    "A08": _Trigger(patient=True, encounter_status=DERIVED),
    "A11": _Trigger(patient=False, encounter_status="CANCELLED", diagnoses=False),
    "A13": _Trigger(patient=False, encounter_status="IN_PROGRESS"),
    "A28": _Trigger(patient=True, encounter_status=None, diagnoses=False),
    "A31": _Trigger(patient=True, encounter_status=None, diagnoses=False),
}
MERGE_TRIGGERS = frozenset({"A40", "A47"})


def map_adt(message: Message, ctx: MessageContext) -> AdapterResult:
    """Events of one ADT message; raises MappingError when a needed field breaks a rule."""
    if ctx.trigger in MERGE_TRIGGERS:
        return _merge_events(message, ctx)
    trigger = TRIGGERS[ctx.trigger or ""]
    pid_index, pid = _required(message, "PID")
    occurred = _occurred_at(message, ctx)
    result = AdapterResult()
    if trigger.patient:
        result.events.append(
            _patient_event(message, ctx, index=pid_index, pid=pid, occurred=occurred)
        )
        add_allergies(result, message, ctx, identity=patient_identity(pid), occurred=occurred)
    add_procedures(result, message, ctx, identity=patient_identity(pid), occurred=occurred)
    if trigger.encounter_status is not None:
        _add_encounter(
            result, message, ctx, pid=pid, status=trigger.encounter_status, occurred=occurred
        )
    if trigger.diagnoses:
        add_diagnoses(result, message, ctx, identity=patient_identity(pid), occurred=occurred)
    return result


def _required(message: Message, name: str) -> tuple[int, Segment]:
    found = message.indexed(name)
    if not found:
        raise MappingError(name, "segment missing")
    return found[0]


def _occurred_at(message: Message, ctx: MessageContext) -> datetime:
    return best_time(message.first("EVN"), 6, 2, name="EVN") or ctx.message_time


def _patient_event(
    message: Message,
    ctx: MessageContext,
    *,
    index: int,
    pid: Segment,
    occurred: datetime,
    links: dict[str, Any] | None = None,
) -> SourceEvent:
    identity = patient_identity(pid)
    header = ctx.header(
        index=index,
        identity=identity,
        source_record_id=identity.local_patient_id,
        occurred_at=occurred,
    )
    payload: dict[str, Any] = {"header": header, **patient_fields(pid, _pd1_after(message, index))}
    payload["merged_local_patient_ids"] = []
    payload["previous_local_patient_id"] = None
    payload.update(links or {})
    return SourceEvent(RecordType.PATIENT, payload)


def _pd1_after(message: Message, pid_index: int) -> Segment | None:
    """The PD1 that directly follows the PID (PD1 belongs to the patient before it)."""
    following = message.segments[pid_index + 1 : pid_index + 2]
    return following[0] if following and following[0].name == "PD1" else None


def _add_encounter(
    result: AdapterResult,
    message: Message,
    ctx: MessageContext,
    *,
    pid: Segment,
    status: str,
    occurred: datetime,
) -> None:
    pv1_index, pv1 = _required(message, "PV1")
    visit = visit_number(pv1)
    if visit is None:
        result.skip(NO_VISIT_NUMBER)
        return
    if status == DERIVED:
        status = derived_status(pv1)
    header = ctx.header(
        index=pv1_index,
        identity=patient_identity(pid),
        source_record_id=visit,
        occurred_at=occurred,
    )
    fields = encounter_fields(pv1, message.first("PV2"), status=status)
    result.events.append(SourceEvent(RecordType.ENCOUNTER, {"header": header, **fields}))


def _merge_events(message: Message, ctx: MessageContext) -> AdapterResult:
    """A40 (merge) and A47 (identifier change): one patient event per PID/MRG pair."""
    occurred = _occurred_at(message, ctx)
    pairs = _pid_mrg_pairs(message)
    if not pairs:
        raise MappingError("PID", "segment missing")
    result = AdapterResult()
    for pid_index, pid, mrg in pairs:
        prior = _prior_local_id(mrg)
        links: dict[str, Any] = (
            {"merged_local_patient_ids": [prior]}
            if ctx.trigger == "A40"
            else {"previous_local_patient_id": prior}
        )
        event = _patient_event(
            message, ctx, index=pid_index, pid=pid, occurred=occurred, links=links
        )
        result.events.append(event)
    return result


def _pid_mrg_pairs(message: Message) -> list[tuple[int, Segment, Segment | None]]:
    """Each PID with the first MRG after it and before the next PID."""
    pairs: list[tuple[int, Segment, Segment | None]] = []
    for index, segment in enumerate(message.segments):
        if segment.name == "PID":
            pairs.append((index, segment, None))
        elif segment.name == "MRG" and pairs and pairs[-1][2] is None:
            pairs[-1] = (pairs[-1][0], pairs[-1][1], segment)
    return pairs


def _prior_local_id(mrg: Segment | None) -> str:
    """MRG-1: the local id the patient had before (NHS numbers are not local ids)."""
    if mrg is None:
        raise MappingError("MRG", "segment missing")
    identifiers = [rep for rep in mrg.repetitions(1) if rep.get(1) and not is_nhs_identifier(rep)]
    prior = local_identifier(identifiers)
    if prior is None:
        raise MappingError("MRG-1", "prior patient identifier missing")
    return prior
