"""One consumed source event -> where it goes: decode, resolve identity, apply HL7 A40 merges.

Synchronous and free of faust, so it is tested against the real PostgreSQL without Kafka.
:func:`decode_event` and :func:`dispatch_decoded` are the two halves :mod:`batch` uses (it answers
known records itself and sends the rest here). There is no one-event entry point on purpose:
one event is a batch of one (:func:`batch.handle_batch`), so it queues behind released held
events like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg

from schemas import codec
from schemas.errors import DecodeError
from schemas.events import (
    PERSON_ID_HEADER,
    RECORD_TYPE_HEADER,
    SOURCE_OFFSET_HEADER,
    SOURCE_PARTITION_HEADER,
    SOURCE_TOPIC_HEADER,
    RecordType,
)
from streams.identity.demographics import Demographics, from_payload
from streams.identity.errors import IdentityError
from streams.identity.merges import merge_local_ids
from streams.identity.outbox import RawEvent
from streams.identity.provenance import provenance_problem
from streams.identity.resolver import ResolutionOutcome, resolve
from streams.identity.scoring import MatchWeights

__all__ = [
    "STAGE",
    "Destination",
    "Dispatch",
    "IdentityInput",
    "decode_event",
    "dispatch_decoded",
    "linked",
    "linked_headers",
]

STAGE = "identity"
Headers = list[tuple[str, bytes]]


class Destination(StrEnum):
    """Where an event goes."""

    LINKED = "linked"
    HELD = "held"
    DLQ = "dlq"


@dataclass(frozen=True)
class Dispatch:
    """The destination, and for LINKED the person (key) and headers; for DLQ the reason."""

    destination: Destination
    person_id: str | None = None
    headers: Headers | None = None
    reason: str | None = None
    rule: str | None = None


def linked_headers(event: RawEvent, person_id: str) -> Headers:
    """Headers of an event on mcr.linked: person, record type, and where it came from."""
    return [
        (PERSON_ID_HEADER, person_id.encode()),
        (RECORD_TYPE_HEADER, event.record_type.encode()),
        (SOURCE_TOPIC_HEADER, event.topic.encode()),
        (SOURCE_PARTITION_HEADER, str(event.partition).encode()),
        (SOURCE_OFFSET_HEADER, str(event.offset).encode()),
    ]


@dataclass(frozen=True)
class IdentityInput:
    """A decoded source event: the record it identifies, the raw event, HL7 A40 merged ids."""

    record: Demographics
    event: RawEvent
    merged_local_ids: tuple[str, ...] = ()


def decode_event(
    value: bytes, *, topic: str, partition: int, offset: int, topic_prefix: str = ""
) -> IdentityInput | Dispatch:
    """The decoded event, or a DLQ dispatch naming why it cannot be read or why its
    organisation cannot have sent it (:mod:`streams.identity.provenance`)."""
    try:
        decoded = codec.decode(value)
    except DecodeError as exc:
        return Dispatch(Destination.DLQ, reason=f"{type(exc).__name__}: {exc}")
    header_org = str((decoded.payload.get("header") or {}).get("org", ""))
    problem = provenance_problem(
        topic, header_org=header_org, record_type=decoded.record_type, topic_prefix=topic_prefix
    )
    if problem is not None:
        return Dispatch(Destination.DLQ, reason=problem)
    if _holds_nul(decoded.payload):
        # Valid Avro, but PostgreSQL text cannot hold NUL: one such event would fail the
        # whole batch's MPI lookup again and again, so it is a dead letter on its own.
        return Dispatch(Destination.DLQ, reason="InvalidText: a text field holds a NUL character")
    record = from_payload(decoded.record_type, decoded.payload)
    event = RawEvent(decoded.record_type.value, topic, partition, offset, value)
    merged = decoded.payload.get("merged_local_patient_ids") or []
    is_patient = decoded.record_type is RecordType.PATIENT
    return IdentityInput(record, event, tuple(merged) if is_patient else ())


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def dispatch_decoded(
    conn: psycopg.Connection[Any],
    decoded: IdentityInput,
    *,
    weights: MatchWeights,
    looked_up: bool = False,
) -> Dispatch:
    """Resolve a decoded event's person (and apply its A40 merges): linked, held or DLQ.
    ``looked_up``: see :func:`resolver.resolve`."""
    record, event = decoded.record, decoded.event
    try:
        resolution = resolve(conn, record, weights, event=event, looked_up=looked_up)
        if resolution.outcome is ResolutionOutcome.HELD or resolution.person_id is None:
            return Dispatch(Destination.HELD, rule=resolution.rule)
        if decoded.merged_local_ids:
            merge_local_ids(
                conn,
                org=record.org,
                local_ids=decoded.merged_local_ids,
                person_id=resolution.person_id,
            )
    except IdentityError as exc:
        return Dispatch(Destination.DLQ, reason=f"{type(exc).__name__}: {exc}")
    return linked(event, resolution.person_id, resolution.rule)


def linked(event: RawEvent, person_id: str, rule: str) -> Dispatch:
    """The LINKED dispatch of ``event`` to ``person_id``."""
    return Dispatch(
        Destination.LINKED, person_id=person_id, headers=linked_headers(event, person_id), rule=rule
    )
