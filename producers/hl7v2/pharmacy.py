"""RDE^O11/O25 -> medication REQUEST events; RDS^O13 -> DISPENSE events.

An order group starts at each ORC. RDE gives one REQUEST per group, from its RXE; RDS gives one
DISPENSE per RXD, with dose, route and timing from the group's RXE where the RXD has none.

- ``medication``: RXE-2 (RXD-2 for a dispense) via ``coding``: ``DMD`` when the coding system
  says dm+d, SNOMED for SCT, else LOCAL (NDC, GPI, RxNorm and local codes).
- dose: RXE-3 give amount -> ``dose_quantity``, RXE-5 give units -> ``dose_unit`` (see
  ``coding.unit_text``); ``dose_text`` is RXE-7 administration instructions, else
  ``min-max unit`` when RXE-4 gives a maximum. ``route``: RXR-1 (the RXR after RXE/RXD),
  its text else its code.
- ``frequency``: TQ1-3 repeat pattern (the TQ1 after RXE, else the order's TQ1), its text else
  its code; else RXE-1.2 (quantity/timing of v2.3-2.4). ``start_date``/``end_date``: TQ1-7/-8
  (else RXE-1.4/-5) as Europe/London dates. For a dispense, ``start_date`` is RXD-3.
- ``status`` of a request: ORC-5 order status when sent, else ORC-1 order control (tables
  below); a dispense is COMPLETED (it happened). ``course`` is UNKNOWN: HL7 v2 does not say
  acute or repeat, and refill counts are not a reliable sign.
- ``source_record_id``: ORC-2 placer order number, else ORC-3 filler number, else RXE-15
  prescription number; a dispense adds ``/dispense/<RXD-1>``.
- ``occurred_at``: ORC-9 transaction time (RXD-3 for a dispense), else MSH-7.
- ``prescriber``: ORC-21 ordering facility identifier (XON-10, else XON-3); ORC-12 ordering
  provider is a person's name and is left out, as are RXE-13/-14 and RXD-10 (people).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from producers.hl7v2.coding import coded, display_text, unit_text
from producers.hl7v2.errors import MappingError
from producers.hl7v2.header import MessageContext, best_time
from producers.hl7v2.identity import PatientIdentity, patient_identity
from producers.hl7v2.message import EMPTY, Message, Repetition, Segment
from producers.hl7v2.observation import to_number
from producers.hl7v2.timestamps import local_date, parse_timestamp
from producers.model import AdapterResult, Rejection
from schemas.events import RecordType, SourceEvent

Group = list[tuple[int, Segment]]
GroupMapper = Callable[[MessageContext, PatientIdentity, Group], list[SourceEvent]]

_ORDER_STATUS = {
    "A": "ACTIVE", "IP": "ACTIVE", "SC": "ACTIVE", "CM": "COMPLETED", "DC": "STOPPED",
    "RP": "STOPPED", "CA": "CANCELLED", "HD": "ON_HOLD", "ER": "UNKNOWN",
}  # fmt: skip
_ORDER_CONTROL = {
    **dict.fromkeys(("NW", "OK", "SN", "NA", "XO", "XX", "XR", "RO", "RL", "SC"), "ACTIVE"),
    **dict.fromkeys(("CA", "CR", "OC"), "CANCELLED"),
    **dict.fromkeys(("DC", "DR", "OD"), "STOPPED"),
    **dict.fromkeys(("HD", "HR", "OH"), "ON_HOLD"),
}
_GIVE_SEGMENTS = frozenset({"RXO", "RXE", "RXD", "RXA"})


def map_requests(message: Message, ctx: MessageContext) -> AdapterResult:
    """REQUEST events of one RDE message (one per order group)."""
    return _map_groups(message, ctx, _request_events)


def map_dispenses(message: Message, ctx: MessageContext) -> AdapterResult:
    """DISPENSE events of one RDS message (one per RXD)."""
    return _map_groups(message, ctx, _dispense_events)


def _map_groups(message: Message, ctx: MessageContext, build: GroupMapper) -> AdapterResult:
    pid = message.first("PID")
    if pid is None:
        raise MappingError("PID", "segment missing")
    identity = patient_identity(pid)
    groups = order_groups(message)
    if not groups:
        raise MappingError("ORC", "segment missing")
    result = AdapterResult()
    for group in groups:
        try:
            result.events.extend(build(ctx, identity, group))
        except MappingError as exc:
            orc_index, orc = group[0]
            result.rejections.append(Rejection(ctx.location(orc_index, orc), str(exc)))
    return result


def order_groups(message: Message) -> list[Group]:
    """The segments from each ORC up to the next ORC, with their positions."""
    groups: list[Group] = []
    for index, segment in enumerate(message.segments):
        if segment.name == "ORC":
            groups.append([(index, segment)])
        elif groups:
            groups[-1].append((index, segment))
    return groups


def _after(group: Group, start: int, name: str) -> Segment | None:
    """The first ``name`` segment after position ``start``, before the next give segment."""
    for index, segment in group:
        if index <= start:
            continue
        if segment.name == name:
            return segment
        if segment.name in _GIVE_SEGMENTS:
            return None
    return None


def _first(group: Group, name: str) -> tuple[int, Segment] | None:
    return next(((i, s) for i, s in group if s.name == name), None)


def _request_events(
    ctx: MessageContext, identity: PatientIdentity, group: Group
) -> list[SourceEvent]:
    orc = group[0][1]
    found = _first(group, "RXE")
    if found is None:
        raise MappingError("RXE", "segment missing")
    rxe_index, rxe = found
    medication = _required_code(rxe, 2, "RXE-2", "give code missing")
    header = ctx.header(
        index=rxe_index,
        identity=identity,
        source_record_id=_order_number(orc, rxe),
        occurred_at=best_time(orc, 9, name="ORC") or ctx.message_time,
    )
    timing = _timing(group, rxe_index, rxe)
    fields = {**_dose(rxe), **timing, "route": _route(_after(group, rxe_index, "RXR"))}
    status = _request_status(orc)
    return [_event(header, medication, kind="REQUEST", status=status, fields=fields, orc=orc)]


def _dispense_events(
    ctx: MessageContext, identity: PatientIdentity, group: Group
) -> list[SourceEvent]:
    orc = group[0][1]
    rxe_found = _first(group, "RXE")
    rxe_index, rxe = rxe_found if rxe_found else (-1, None)
    dispenses = [(i, s) for i, s in group if s.name == "RXD"]
    if not dispenses:
        raise MappingError("RXD", "segment missing")
    events = []
    for index, rxd in dispenses:
        medication = _required_code(rxd, 2, "RXD-2", "dispense/give code missing")
        dispensed = best_time(rxd, 3, name="RXD")
        header = ctx.header(
            index=index,
            identity=identity,
            source_record_id=f"{_order_number(orc, rxe)}/dispense/{rxd.get(1) or '1'}",
            occurred_at=dispensed or best_time(orc, 9, name="ORC") or ctx.message_time,
        )
        route = _after(group, index, "RXR") or (_after(group, rxe_index, "RXR") if rxe else None)
        fields = {
            **(_dose(rxe) if rxe else _no_dose()),
            **(_timing(group, rxe_index, rxe) if rxe else _no_timing()),
            "start_date": local_date(dispensed) if dispensed else None,
            "end_date": None,
            "route": _route(route),
        }
        event = _event(
            header, medication, kind="DISPENSE", status="COMPLETED", fields=fields, orc=orc
        )
        events.append(event)
    return events


def _event(
    header: dict[str, Any],
    medication: dict[str, Any],
    *,
    kind: str,
    status: str,
    fields: dict[str, Any],
    orc: Segment,
) -> SourceEvent:
    payload: dict[str, Any] = {
        "header": header,
        "medication": medication,
        "kind": kind,
        "status": status,
        "course": "UNKNOWN",
        **fields,
        "prescriber": orc.get(21, 10) or orc.get(21, 3),
    }
    return SourceEvent(RecordType.MEDICATION, payload)


def _required_code(segment: Segment, number: int, field: str, rule: str) -> dict[str, Any]:
    code = coded(segment.first(number))
    if code is None:
        raise MappingError(field, rule)
    return code


def _order_number(orc: Segment, rxe: Segment | None) -> str:
    number = orc.get(2) or orc.get(3) or (rxe.get(15) if rxe else None)
    if number is None:
        raise MappingError("ORC-2", "placer and filler order numbers missing")
    return number


def _request_status(orc: Segment) -> str:
    order_status = (orc.get(5) or "").upper()
    if order_status:
        return _ORDER_STATUS.get(order_status, "UNKNOWN")
    return _ORDER_CONTROL.get((orc.get(1) or "").upper(), "UNKNOWN")


def _dose(rxe: Segment) -> dict[str, Any]:
    minimum, maximum = rxe.get(3), rxe.get(4)
    quantity = to_number(minimum)
    if minimum is not None and quantity is None:
        raise MappingError("RXE-3", "give amount is not a number")
    dose_unit = unit_text(rxe.first(5))
    instructions = [display_text(rep) for rep in rxe.repetitions(7)]
    text = " ".join(t for t in instructions if t) or None
    if text is None and maximum:
        text = " ".join(p for p in (f"{minimum or ''}-{maximum}", dose_unit) if p)
    return {"dose_text": text, "dose_quantity": quantity, "dose_unit": dose_unit}


def _no_dose() -> dict[str, Any]:
    return {"dose_text": None, "dose_quantity": None, "dose_unit": None}


def _timing(group: Group, rxe_index: int, rxe: Segment) -> dict[str, Any]:
    """Frequency and dates from the RXE's TQ1 (else the order's TQ1), else from RXE-1."""
    tq1 = _after(group, rxe_index, "TQ1") or next((s for _, s in group if s.name == "TQ1"), None)
    if tq1 is not None:
        pattern = tq1.first(3)
        return {
            "frequency": pattern.get(1, 2) or pattern.get(1, 1),
            "start_date": _date(tq1.get(7), "TQ1-7"),
            "end_date": _date(tq1.get(8), "TQ1-8"),
        }
    legacy = rxe.first(1)
    return {
        "frequency": legacy.get(2, 1),
        "start_date": _date(legacy.get(4), "RXE-1.4"),
        "end_date": _date(legacy.get(5), "RXE-1.5"),
    }


def _no_timing() -> dict[str, Any]:
    return {"frequency": None, "start_date": None, "end_date": None}


def _date(raw: str | None, field: str) -> date | None:
    return local_date(parse_timestamp(raw, field=field)) if raw else None


def _route(rxr: Segment | None) -> str | None:
    rep: Repetition = rxr.first(1) if rxr else EMPTY
    return display_text(rep)
