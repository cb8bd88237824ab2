"""The HL7 v2 adapter: a document of ER7 text -> source events, rejections and skip counts.

Pipeline: ``batch.split_document`` (envelope, one text per message) -> ``parser.parse_message``
-> MSH-9 decides the mapper -> ``header.message_context`` (MSH-7, MSH-10) -> the mapper of the
message family (``adt``, ``oru``, ``pharmacy``, ``problems``, ``immunisations``,
``documents``). A message that
breaks a rule is rejected as a whole (or, inside ORU, pharmacy, problem and vaccination
messages, only the OBX, order group, PRB or RXA group at fault); the other
messages of the document are still mapped. Message types without a mapper are counted in
``skipped`` under ``TYPE^TRIGGER`` (e.g. ``SIU^S12``), not rejected.
"""

from __future__ import annotations

from collections.abc import Callable

from producers.hl7v2 import adt, documents, immunisations, oru, pharmacy, problems
from producers.hl7v2.batch import MessageText, split_document
from producers.hl7v2.errors import Hl7v2Error, MappingError
from producers.hl7v2.header import MessageContext, message_context, message_kind
from producers.hl7v2.message import Message
from producers.hl7v2.parser import parse_message
from producers.model import AdapterResult, Rejection

Mapper = Callable[[Message, MessageContext], AdapterResult]

MAPPERS: dict[tuple[str, str], Mapper] = {
    ("ORU", "R01"): oru.map_results,
    ("RDE", "O11"): pharmacy.map_requests,
    ("RDE", "O25"): pharmacy.map_requests,
    ("RDS", "O13"): pharmacy.map_dispenses,
    ("VXU", "V04"): immunisations.map_immunisations,
    **{("MDM", trigger): documents.map_document for trigger in documents.TRIGGERS},
    **{("PPR", trigger): problems.map_problems for trigger in problems.TRIGGERS},
    **{("ADT", trigger): adt.map_adt for trigger in (*adt.TRIGGERS, *adt.MERGE_TRIGGERS)},
}
_MAPPED_TYPES = frozenset(message_type for message_type, _ in MAPPERS)


def events_from_hl7v2(text: str, *, org: str, source_system: str) -> AdapterResult:
    """Map one HL7 v2 document (a message, several messages, a batch or a file) to events.

    ``org`` is the ODS code of the sending organisation and ``source_system`` the name of its
    system; both go into every event header and into the deterministic event ids. Never
    raises for bad input: what cannot be mapped is returned in ``rejections`` with a
    field-level reason that holds no patient data.
    """
    if not org or not source_system:
        raise ValueError("org and source_system are required")
    envelope = split_document(text)
    result = AdapterResult(rejections=list(envelope.rejections))
    for message_text in envelope.messages:
        result.extend(_map_message(message_text, org=org, source_system=source_system))
    return result


def _map_message(message_text: MessageText, *, org: str, source_system: str) -> AdapterResult:
    try:
        message = parse_message(message_text.lines)
        message_type, trigger = message_kind(message)
        mapper = MAPPERS.get((message_type, trigger or ""))
        if mapper is None:
            return _unmapped(message_type, trigger)
        ctx = message_context(
            message, org=org, source_system=source_system, number=message_text.number
        )
        return mapper(message, ctx)
    except Hl7v2Error as exc:
        location = f"message {message_text.number}"
        return AdapterResult(rejections=[Rejection(location, str(exc))])


def _unmapped(message_type: str, trigger: str | None) -> AdapterResult:
    """A type we do not map is skipped; a type we map but without a trigger is rejected."""
    if trigger is None and message_type in _MAPPED_TYPES:
        raise MappingError("MSH-9", "trigger event missing")
    kind = f"{message_type}^{trigger}" if trigger else message_type
    return AdapterResult(skipped={kind: 1})
