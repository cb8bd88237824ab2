"""What every event of one message shares: MSH facts, event ids, versions and the header.

- ``event_id`` is a UUID v5 over org, source system, MSH-10 (message control id) and the
  position of the segment the event comes from, so re-sending a message or a whole file gives
  the same ids (duplicates are recognisable downstream).
- ``record_version`` is MSH-7 (message time) in epoch milliseconds, so a later message about
  the same item wins; ``recorded_at`` is MSH-7.
- ``org`` and ``source_system`` come from the caller, who knows the connection a message came
  in on; MSH-3..6 (sending and receiving application and facility) are not trusted for them.
- ``confidentiality`` is empty: HL7 v2 has no field for it that UK senders use consistently,
  so we do not guess one (a decision to revisit per source). The exception is a document,
  whose TXA-18 is its own confidentiality (:mod:`producers.hl7v2.documents` sets it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from producers.hl7v2.errors import MappingError
from producers.hl7v2.identity import PatientIdentity
from producers.hl7v2.message import Message, Segment
from producers.hl7v2.timestamps import epoch_millis, parse_timestamp

EVENT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mcr:producers:hl7v2:event")


@dataclass(frozen=True)
class MessageContext:
    """The facts of one message that every event header needs."""

    org: str
    source_system: str
    number: int
    control_id: str
    message_time: datetime
    message_type: str
    trigger: str | None

    @property
    def record_version(self) -> int:
        """MSH-7 in epoch milliseconds: later messages win."""
        return epoch_millis(self.message_time)

    def location(self, index: int | None = None, segment: Segment | None = None) -> str:
        """``message 3``, or ``message 3 OBX (segment 8)`` for the segment at position ``index``
        (counted from 0 at MSH; shown counted from 1, as an operator counts lines)."""
        if segment is None or index is None:
            return f"message {self.number}"
        return f"message {self.number} {segment.name} (segment {index + 1})"

    def event_id(self, index: int) -> str:
        """Deterministic id of the event mapped from segment ``index`` of this message."""
        name = f"{self.org}|{self.source_system}|{self.control_id}|{index}"
        return str(uuid.uuid5(EVENT_ID_NAMESPACE, name))

    def header(
        self,
        *,
        index: int,
        identity: PatientIdentity,
        source_record_id: str,
        occurred_at: datetime,
        operation: str = "UPSERT",
    ) -> dict[str, Any]:
        """The ``Header`` record of the event mapped from segment ``index``."""
        return {
            "event_id": self.event_id(index),
            "org": self.org,
            "source_system": self.source_system,
            "local_patient_id": identity.local_patient_id,
            "nhs_number": identity.nhs_number,
            "nhs_number_status": identity.nhs_number_status,
            "source_record_id": source_record_id,
            "record_version": self.record_version,
            "occurred_at": occurred_at,
            "recorded_at": self.message_time,
            "operation": operation,
            "confidentiality": [],
        }


def message_kind(message: Message) -> tuple[str, str | None]:
    """MSH-9 message code and trigger (EVN-1 when MSH-9.2 is empty, as v2.1-2.2 senders do).

    Raises MappingError when MSH-9 names no message type.
    """
    message_type = message.msh.get(9, 1)
    if message_type is None:
        raise MappingError("MSH-9", "message type missing")
    evn = message.first("EVN")
    trigger = message.msh.get(9, 2) or (evn.get(1) if evn else None)
    return message_type.upper(), trigger.upper() if trigger else None


def message_context(
    message: Message, *, org: str, source_system: str, number: int
) -> MessageContext:
    """Read MSH-7, MSH-9 and MSH-10; raises MappingError naming the missing field."""
    message_type, trigger = message_kind(message)
    control_id = message.msh.get(10)
    if control_id is None:
        raise MappingError("MSH-10", "message control id missing")
    raw_time = message.msh.get(7)
    if raw_time is None:
        raise MappingError("MSH-7", "message date/time missing")
    return MessageContext(
        org=org,
        source_system=source_system,
        number=number,
        control_id=control_id,
        message_time=parse_timestamp(raw_time, field="MSH-7"),
        message_type=message_type,
        trigger=trigger,
    )


def best_time(segment: Segment | None, *fields: int, name: str) -> datetime | None:
    """The first of ``fields`` of ``segment`` holding a timestamp (``name``-N in errors)."""
    if segment is None:
        return None
    for number in fields:
        raw = segment.get(number)
        if raw is not None:
            return parse_timestamp(raw, field=f"{name}-{number}")
    return None
