"""ORU^R01 -> one result event per OBX.

- Patient: the PID before the OBX (an ORU may hold several patients); order: the OBR before it.
- ``source_record_id``: ``<order>/<item>`` where order is OBR-3 filler order number (the lab
  owns a result), else OBR-2 placer number; item is OBX-1 set id, else OBX-3 code plus OBX-4
  sub-id. An OBX whose order has neither number cannot have a stable id and is rejected.
- ``code`` OBX-3 and ``panel`` OBR-4 via ``coding`` (LN -> LOINC, SCT -> SNOMED, else LOCAL).
- Status OBX-11: F FINAL, U FINAL (made final without change), C and A AMENDED, P R S
  PRELIMINARY, X CANCELLED, W FINAL with operation ENTERED_IN_ERROR (wrong patient or
  test), D FINAL with operation DELETE. I, O and N (no result yet / not asked) carry no result
  and are counted in ``skipped``; no status, or another code, rejects that OBX.
- ``occurred_at``: OBX-14 observation time, else OBR-7, else MSH-7; ``issued_at``: OBR-22.
- ``specimen``: SPM-4 of the order's first SPM. OBR-15 (specimen source, withdrawn in v2.5)
  is left out: senders misplace fields there (a provider's id and name in one sample).
- ``performer_org``: OBX-23 organisation identifier (XON-10, else XON-3).
- Skipped, with counts: OBX before any OBR (patient-level observations such as height, not lab
  results), and OBX of type ED or RP (embedded documents and pointers, not results).

One bad OBX is rejected on its own; the others of the message are still mapped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from producers.hl7v2.coding import coded, display_text
from producers.hl7v2.errors import MappingError
from producers.hl7v2.header import MessageContext, best_time
from producers.hl7v2.identity import PatientIdentity, patient_identity
from producers.hl7v2.message import Message, Segment
from producers.hl7v2.observation import abnormal_flag, reference_range, unit, value_fields
from producers.model import AdapterResult, Rejection
from schemas.events import RecordType, SourceEvent

OUTSIDE_ORDER = "OBX outside an order (no OBR)"
_NOT_RESULTS = frozenset({"ED", "RP"})
_NO_RESULT = frozenset({"I", "O", "N"})
_STATUS: dict[str, tuple[str, str]] = {
    "F": ("FINAL", "UPSERT"),
    "U": ("FINAL", "UPSERT"),
    "C": ("AMENDED", "UPSERT"),
    "A": ("AMENDED", "UPSERT"),
    "P": ("PRELIMINARY", "UPSERT"),
    "R": ("PRELIMINARY", "UPSERT"),
    "S": ("PRELIMINARY", "UPSERT"),
    "X": ("CANCELLED", "UPSERT"),
    "W": ("FINAL", "ENTERED_IN_ERROR"),
    "D": ("FINAL", "DELETE"),
}
_ORDER_END = frozenset({"OBR", "ORC", "PID"})


@dataclass(frozen=True)
class _Order:
    index: int
    obr: Segment
    specimen: str | None


def map_results(message: Message, ctx: MessageContext) -> AdapterResult:
    """Result events of one ORU^R01; raises MappingError for message-level problems (PID)."""
    result = AdapterResult()
    identity: PatientIdentity | None = None
    order: _Order | None = None
    for index, segment in enumerate(message.segments):
        if segment.name == "PID":
            identity, order = patient_identity(segment), None
        elif segment.name == "OBR":
            order = _Order(index, segment, _specimen(message, index))
        elif segment.name == "OBX":
            if identity is None:
                raise MappingError("PID", "segment missing")
            _add_result(result, ctx, identity=identity, order=order, index=index, obx=segment)
    return result


def _skip(result: AdapterResult, kind: str) -> None:
    result.skip(kind)


def _add_result(
    result: AdapterResult,
    ctx: MessageContext,
    *,
    identity: PatientIdentity,
    order: _Order | None,
    index: int,
    obx: Segment,
) -> None:
    value_type = (obx.get(2) or "").upper()
    status_code = (obx.get(11) or "").upper()
    if order is None:
        _skip(result, OUTSIDE_ORDER)
    elif value_type in _NOT_RESULTS:
        _skip(result, f"OBX value type {value_type}")
    elif status_code in _NO_RESULT:
        _skip(result, f"OBX without a result (OBX-11 {status_code})")
    else:
        try:
            result.events.append(
                _result_event(
                    ctx,
                    identity=identity,
                    order=order,
                    index=index,
                    obx=obx,
                    status_code=status_code,
                )
            )
        except MappingError as exc:
            result.rejections.append(Rejection(ctx.location(index, obx), str(exc)))


def _result_event(
    ctx: MessageContext,
    *,
    identity: PatientIdentity,
    order: _Order,
    index: int,
    obx: Segment,
    status_code: str,
) -> SourceEvent:
    if not status_code:
        raise MappingError("OBX-11", "result status missing")
    if status_code not in _STATUS:
        raise MappingError("OBX-11", "unknown result status")
    status, operation = _STATUS[status_code]
    code = coded(obx.first(3))
    if code is None:
        raise MappingError("OBX-3", "observation identifier missing")
    header = ctx.header(
        index=index,
        identity=identity,
        source_record_id=f"{_order_number(order.obr)}/{_item_key(obx, code['code'])}",
        occurred_at=best_time(obx, 14, name="OBX")
        or best_time(order.obr, 7, name="OBR")
        or ctx.message_time,
        operation=operation,
    )
    payload: dict[str, Any] = {
        "header": header,
        "code": code,
        "panel": coded(order.obr.first(4)),
        "status": status,
        **value_fields(obx),
        "unit": unit(obx),
        **reference_range(obx.get(7)),
        "abnormal_flag": abnormal_flag(obx),
        "specimen": order.specimen,
        "issued_at": best_time(order.obr, 22, name="OBR"),
        "performer_org": obx.get(23, 10) or obx.get(23, 3),
    }
    return SourceEvent(RecordType.RESULT, payload)


def _order_number(obr: Segment) -> str:
    """OBR-3 filler order number, else OBR-2 placer order number."""
    number = obr.get(3) or obr.get(2)
    if number is None:
        raise MappingError("OBR-3", "filler and placer order numbers missing")
    return number


def _item_key(obx: Segment, code: str) -> str:
    """OBX-1 set id, else the observation code with its OBX-4 sub-id."""
    set_id = obx.get(1)
    if set_id:
        return set_id
    sub_id = obx.get(4)
    return f"{code}.{sub_id}" if sub_id else code


def _specimen(message: Message, obr_index: int) -> str | None:
    """SPM-4 specimen type of the first SPM in the order group."""
    for segment in message.segments[obr_index + 1 :]:
        if segment.name in _ORDER_END:
            break
        if segment.name == "SPM":
            return display_text(segment.first(4))
    return None
