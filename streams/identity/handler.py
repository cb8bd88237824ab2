"""One consumed source event -> where it goes: decode, resolve identity, apply HL7 A40 merges.

Synchronous and free of faust, so it is tested against the real PostgreSQL without Kafka; the
agent runs it in a worker thread and only sends what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg

from schemas import codec
from schemas.errors import DecodeError
from schemas.events import (
    DLQ_OFFSET,
    DLQ_PARTITION,
    DLQ_REASON,
    DLQ_STAGE,
    DLQ_TOPIC_HEADER,
    PERSON_ID_HEADER,
    RECORD_TYPE_HEADER,
    SOURCE_OFFSET_HEADER,
    SOURCE_PARTITION_HEADER,
    SOURCE_TOPIC_HEADER,
    RecordType,
)
from streams.identity.demographics import from_payload
from streams.identity.errors import IdentityError
from streams.identity.merges import merge_local_ids
from streams.identity.outbox import RawEvent
from streams.identity.resolver import Outcome, resolve
from streams.identity.scoring import MatchWeights

__all__ = ["STAGE", "Route", "Routing", "dlq_headers", "handle", "linked_headers"]

STAGE = "identity"
Headers = list[tuple[str, bytes]]


class Route(StrEnum):
    """Where an event goes."""

    LINKED = "linked"
    HELD = "held"
    DLQ = "dlq"


@dataclass(frozen=True)
class Routing:
    """The route, and for LINKED the person (key) and headers; for DLQ the reason."""

    route: Route
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


def dlq_headers(reason: str, *, topic: str, partition: int, offset: int) -> Headers:
    """Headers of a dead letter: why, which stage, and where the event was read."""
    return [
        (DLQ_REASON, reason.encode()),
        (DLQ_STAGE, STAGE.encode()),
        (DLQ_TOPIC_HEADER, topic.encode()),
        (DLQ_PARTITION, str(partition).encode()),
        (DLQ_OFFSET, str(offset).encode()),
    ]


def handle(
    conn: psycopg.Connection[Any],
    value: bytes,
    *,
    topic: str,
    partition: int,
    offset: int,
    weights: MatchWeights,
) -> Routing:
    """Route one source event (its raw Avro bytes, as read from ``topic``)."""
    try:
        decoded = codec.decode(value)
    except DecodeError as exc:
        return Routing(Route.DLQ, reason=f"{type(exc).__name__}: {exc}")
    record = from_payload(decoded.record_type, decoded.payload)
    event = RawEvent(decoded.record_type.value, topic, partition, offset, value)
    try:
        resolution = resolve(conn, record, weights, event=event)
        if resolution.outcome is Outcome.HELD or resolution.person_id is None:
            return Routing(Route.HELD, rule=resolution.rule)
        merged = decoded.payload.get("merged_local_patient_ids") or []
        if decoded.record_type is RecordType.PATIENT and merged:
            merge_local_ids(conn, org=record.org, local_ids=merged, person_id=resolution.person_id)
    except IdentityError as exc:
        return Routing(Route.DLQ, reason=f"{type(exc).__name__}: {exc}")
    return Routing(
        Route.LINKED,
        person_id=resolution.person_id,
        headers=linked_headers(event, resolution.person_id),
        rule=resolution.rule,
    )
