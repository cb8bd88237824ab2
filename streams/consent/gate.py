"""One batch of consumed messages -> what the consent stage sends. Decisions are
:mod:`rules`; this module reads and writes the consent tables and builds messages.

``share_batch`` (``mcr.linked``): each event is decided against its person's state as it is at
that point of the batch (a consent event earlier in the batch counts for the events after it;
one person's events share a partition, so they arrive in order). Shareable events go to
``mcr.shared`` unchanged (same key, bytes and headers); kept-back events go nowhere, and are
counted by reason; a consent event updates the state and, when an objection takes effect or
an item already shared is withheld, sends a purge command. Undecodable events are dead
letters.

``follow_identity`` (``mcr.identity.changes``): records which person each source key belongs
to, so preferences move with merges and unmerges. When the person a change moves records to
objects, that person is purged, and after a MERGE the retired person too (purges are
idempotent, and either may hold documents of the moved records, whichever order the projection
sees the merge and the purges in).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import psycopg

from projections.dlq import DeadLetter, Headers, dead_letter_headers
from projections.record.commands import PurgePerson, purge_message
from schemas import codec
from schemas.errors import DecodeError
from schemas.events import PERSON_ID_HEADER, RecordType, source_key
from streams.consent import repository
from streams.consent.rules import ItemRef, Verdict, purge_for, verdict
from streams.consent.state import ConsentState, Preference, apply

__all__ = ["STAGE", "Consumed", "Outgoing", "Target", "follow_identity", "share_batch"]

STAGE = "consent"
Connection = psycopg.Connection[Any]
_MOVING_KINDS = frozenset({"MERGE", "UNMERGE"})


@dataclass(frozen=True)
class Consumed:
    """One consumed message and where it was read."""

    key: bytes | None
    value: bytes
    headers: Headers
    topic: str
    partition: int
    offset: int


class Target(StrEnum):
    """Which topic an outgoing message is for."""

    SHARED = "shared"
    DLQ = "dlq"


@dataclass(frozen=True)
class Outgoing:
    """A message to send."""

    target: Target
    key: bytes | None
    value: bytes
    headers: Headers


@dataclass
class BatchOutcome:
    """What a batch sends, and the verdict of each event (None for a dead letter)."""

    outgoing: list[Outgoing] = field(default_factory=list)
    verdicts: list[Verdict | None] = field(default_factory=list)


@dataclass(frozen=True)
class _Event:
    message: Consumed
    record_type: RecordType
    payload: dict[str, Any]
    source_key: str
    person_id: str


def _dead_letter(message: Consumed, reason: str) -> Outgoing:
    letter = DeadLetter(
        message.value,
        message.key,
        message.headers,
        message.topic,
        message.partition,
        message.offset,
        reason,
    )
    return Outgoing(
        Target.DLQ, message.key, message.value, dead_letter_headers(letter, stage=STAGE)
    )


def _header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key == name and value:
            return value.decode("utf-8", errors="replace")
    return None


def _read(message: Consumed) -> _Event | Outgoing:
    person = _header(message.headers, PERSON_ID_HEADER)
    if person is None:
        return _dead_letter(message, f"MissingHeader:{PERSON_ID_HEADER}")
    try:
        decoded = codec.decode(message.value)
    except DecodeError as exc:
        return _dead_letter(message, type(exc).__name__)
    header = decoded.payload["header"]
    key = source_key(header["org"], header["local_patient_id"])
    return _Event(message, decoded.record_type, decoded.payload, key, person)


def _purge(person_id: str, reason: str, items: Sequence[tuple[str, str]] = ()) -> Outgoing:
    command = PurgePerson(person_id, str(uuid.uuid4()), reason, tuple(sorted(items)))
    key, value, headers = purge_message(command)
    return Outgoing(Target.SHARED, key, value, headers)


def _item(event: _Event) -> ItemRef:
    header = event.payload["header"]
    labels = tuple(header.get("confidentiality") or ())
    return ItemRef(event.record_type.value, header["org"], header["source_record_id"], labels)


def share_batch(conn: Connection, batch: Sequence[Consumed], *, now: datetime) -> BatchOutcome:
    """Decide a batch of ``mcr.linked`` messages, in order (see the module docstring)."""
    read = [_read(message) for message in batch]
    events = {i: e for i, e in enumerate(read) if isinstance(e, _Event)}
    moved = repository.persons_of(conn, {e.source_key for e in events.values()})
    person_of = {i: moved.get(e.source_key, e.person_id) for i, e in events.items()}
    state = repository.states(conn, person_of.values())
    outcome = BatchOutcome()
    for index, item in enumerate(read):
        if isinstance(item, Outgoing):
            outcome.outgoing.append(item)
            outcome.verdicts.append(None)
            continue
        person = person_of[index]
        found = verdict(_item(item), state[person], now)
        outcome.verdicts.append(found)
        if found is Verdict.CONSENT_EVENT:
            outcome.outgoing.extend(_consent_event(conn, item, person, state, now))
        elif found is Verdict.SHARE:
            message = item.message
            outcome.outgoing.append(
                Outgoing(Target.SHARED, message.key, message.value, message.headers)
            )
    return outcome


def _consent_event(
    conn: Connection, event: _Event, person: str, state: dict[str, ConsentState], now: datetime
) -> list[Outgoing]:
    """Store the preference, update the batch's view of the state, purge what it removes
    (again on a repeated event: see :func:`rules.purge_for`)."""
    preference = Preference.from_payload(event.payload)
    if repository.save(conn, preference, source_key=event.source_key, person_id=person):
        state[person] = apply(state[person], preference)
    purge = purge_for(preference.key, state[person], now)
    return [] if purge is None else [_purge(person, purge.reason, purge.items)]


def follow_identity(
    conn: Connection, batch: Sequence[Consumed], *, now: datetime
) -> list[Outgoing]:
    """Apply a batch of identity changes; returns purges and dead letters to send."""
    outgoing: list[Outgoing] = []
    for message in batch:
        try:
            record = codec.decode_record(message.value)
        except DecodeError as exc:
            outgoing.append(_dead_letter(message, type(exc).__name__))
            continue
        change = record.payload
        if record.schema_name != "identity_change":
            outgoing.append(_dead_letter(message, "NotAnIdentityChange"))
            continue
        repository.move_source_keys(
            conn,
            change["source_keys"],
            person_id=change["person_id"],
            changed_at=change["occurred_at"],
        )
        previous = change.get("previous_person_id")
        if change["kind"] in _MOVING_KINDS or previous:
            # After a merge the retired person's documents may not have moved yet: purge both.
            also = previous if change["kind"] == "MERGE" else None
            outgoing.extend(_after_move(conn, change["person_id"], also, now))
    return outgoing


def _after_move(
    conn: Connection, person_id: str, retired: str | None, now: datetime
) -> list[Outgoing]:
    if not repository.states(conn, [person_id])[person_id].objects(now):
        return []
    return [_purge(p, "objection") for p in (person_id, retired) if p]
