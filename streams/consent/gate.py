"""One batch of consumed messages -> what the consent stage sends. Decisions are
:mod:`rules`; this module reads and writes the consent tables and builds messages.

``share_batch`` (``mcr.linked``): each event is decided against its consent state as it is at
that point of the batch (a consent event earlier in the batch counts for the events after it;
one person's events share a partition, so they arrive in order). The state is that of the
person in the event's header *and* of the person its source key belongs to by the newest
identity change (the two differ for a while after a merge, unmerge or re-link): if either
says no, the event is kept back. Shareable events go to ``mcr.shared`` unchanged (same key,
bytes and headers); kept-back events go nowhere and are counted by reason. A consent event
updates the state and sends the purge it calls for (:func:`rules.purge_for`); a sensitive
later version of an item purges the shared earlier one (:func:`rules.relabel_purge`).

``follow_identity`` (``mcr.identity.changes``): records which person each source key belongs
to, so preferences move with merges and unmerges. When records move into a person who
objects, that person and the moved source records are purged (whoever holds them when the
projection applies the purge), and after a MERGE the retired person too.

An event that cannot be read or stored (undecodable, no person header, text PostgreSQL
refuses) is a dead letter with the reason, alone: the rest of the batch goes on. A consent
event dead-lettered is logged as an error: a lost preference is a safety event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import psycopg

from mcr.core.logging import get_logger
from schemas import codec
from schemas.commands import PurgePerson, purge_message
from schemas.dead_letters import DeadLetter, Headers, dead_letter_headers
from schemas.errors import DecodeError
from schemas.events import PERSON_ID_HEADER, RecordType, source_key
from schemas.messages import InboundMessage
from schemas.sensitivity import labels_of
from streams.consent import repository
from streams.consent.moves import Move, may_move_records
from streams.consent.rules import ItemRef, Purge, Verdict, purge_for, relabel_purge, verdict
from streams.consent.state import ConsentState, Preference, Scope, apply, fold

__all__ = [
    "STAGE",
    "BatchOutcome",
    "InboundMessage",
    "Outgoing",
    "Target",
    "follow_identity",
    "share_batch",
]

STAGE = "consent"
Connection = psycopg.Connection[Any]
log = get_logger(__name__)
_PIPELINE = "mcr"  # requested_by of purges the pipeline sends after an identity change
# Bad input, as opposed to a lost database (which retries the whole batch).
# ProgramLimitExceeded (an id too long for an index) is an OperationalError to psycopg, but it
# says something about the event, not the database: retrying would stall the stage forever.
_UNSTORABLE = (psycopg.DataError, psycopg.errors.ProgramLimitExceeded)
_UNREADABLE = (DecodeError, KeyError, TypeError, ValueError, *_UNSTORABLE)


class Target(StrEnum):
    """Which topic an outgoing message is for."""

    SHARED = "shared"
    DLQ = "dlq"


@dataclass(frozen=True)
class Outgoing:
    """A message to send."""

    target: Target
    key: bytes | None
    value: bytes | None
    headers: Headers


@dataclass
class BatchOutcome:
    """What a batch sends, and the verdict of each event (None for a dead letter)."""

    outgoing: list[Outgoing] = field(default_factory=list)
    verdicts: list[Verdict | None] = field(default_factory=list)
    restore: set[str] = field(default_factory=set)
    """Persons whose objection this batch lifted: their record is to be shared again."""


@dataclass(frozen=True)
class _Event:
    message: InboundMessage
    record_type: RecordType
    payload: dict[str, Any]
    source_key: str
    person_id: str


def _dead_letter(message: InboundMessage, error: BaseException | str) -> Outgoing:
    reason = error if isinstance(error, str) else type(error).__name__
    letter = DeadLetter(
        message.value,
        message.key,
        message.headers,
        message.topic,
        message.partition,
        message.offset,
        reason,
    )
    headers = dead_letter_headers(letter, stage=STAGE)
    return Outgoing(Target.DLQ, message.key, message.value, headers)


def _header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key == name and value:
            return value.decode("utf-8", errors="replace")
    return None


def _read(message: InboundMessage) -> _Event | Outgoing:
    person = _header(message.headers, PERSON_ID_HEADER)
    if person is None:
        return _dead_letter(message, f"MissingHeader:{PERSON_ID_HEADER}")
    if message.value is None:
        return _dead_letter(message, "MissingValue")
    try:
        decoded = codec.decode(message.value)
        header = decoded.payload["header"]
        key = source_key(header["org"], header["local_patient_id"])
    except _UNREADABLE as exc:
        return _dead_letter(message, exc)
    return _Event(message, decoded.record_type, decoded.payload, key, person)


def _purges(persons: Iterable[str], purge: Purge | None, *, by: str) -> list[Outgoing]:
    """Purge commands for ``persons``; ``by`` is the ODS code that asked (kept on receipts)."""
    if purge is None:
        return []
    return [
        _command(PurgePerson(p, str(uuid.uuid4()), purge.reason, purge.items, requested_by=by))
        for p in persons
    ]


def _command(command: PurgePerson) -> Outgoing:
    key, value, headers = purge_message(command)
    return Outgoing(Target.SHARED, key, value, headers)


def _item(event: _Event) -> ItemRef:
    """The event as the rules see it. Its labels include those its codes give: this is the
    one gate every source's events pass before the shared record, so a source that cannot
    label (HL7 v2) cannot leak a sensitive item."""
    header = event.payload["header"]
    record_type = event.record_type.value
    return ItemRef(
        record_type,
        header["org"],
        header["source_record_id"],
        labels_of(record_type, event.payload, header.get("confidentiality") or ()),
        int(header.get("record_version") or 1),
    )


def _persons(event: _Event, moved: dict[str, str]) -> tuple[str, ...]:
    """The header person, and the person the newest identity change gives the source key."""
    return tuple(dict.fromkeys((event.person_id, moved.get(event.source_key, event.person_id))))


def _combined(state: dict[str, ConsentState], persons: Sequence[str]) -> ConsentState:
    if len(persons) == 1:
        return state[persons[0]]
    return fold(p for person in persons for p in state[person].preferences.values())


def share_batch(
    conn: Connection, batch: Sequence[InboundMessage], *, now: datetime
) -> BatchOutcome:
    """Decide a batch of ``mcr.linked`` messages, in order (see the module docstring)."""
    read = [_read(message) for message in batch]
    events = [e for e in read if isinstance(e, _Event)]
    moved = repository.persons_of(conn, {e.source_key for e in events})
    state = repository.states(conn, {p for e in events for p in _persons(e, moved)})
    outcome = BatchOutcome()
    for item in read:
        if isinstance(item, Outgoing):
            outcome.outgoing.append(item)
            outcome.verdicts.append(None)
            continue
        persons = _persons(item, moved)
        try:
            found, sent = _decide(conn, item, persons, state, now)
        except _UNREADABLE as exc:
            found, sent = None, [_dead_letter(item.message, exc)]
            if item.record_type is RecordType.CONSENT:
                log.error("consent event dead-lettered", error_type=type(exc).__name__)
        outcome.verdicts.append(found)
        outcome.outgoing.extend(sent)
        if found is Verdict.CONSENT_EVENT and _lifts(item, persons, state, now):
            outcome.restore.update(persons)
    return outcome


def _lifts(
    event: _Event, persons: Sequence[str], state: dict[str, ConsentState], now: datetime
) -> bool:
    """True when ``event`` is a later version of an objection item that no longer denies,
    and nobody it concerns objects now. Decided from the state as held (not from what
    changed), so a repeat restores again: restoring is idempotent, a lost one is not."""
    preference = Preference.from_payload(event.payload)
    return (
        preference.scope is Scope.SHARED_CARE_RECORD
        and preference.version > 1
        and not preference.denies(Scope.SHARED_CARE_RECORD, now)
        and not any(state[p].objects(now) for p in persons)
    )


def _decide(
    conn: Connection,
    event: _Event,
    persons: Sequence[str],
    state: dict[str, ConsentState],
    now: datetime,
) -> tuple[Verdict, list[Outgoing]]:
    item = _item(event)
    found = verdict(item, _combined(state, persons), now)
    if found is Verdict.CONSENT_EVENT:
        return found, _consent_event(conn, event, persons, state, now)
    if found is Verdict.SHARE:
        message = event.message
        return found, [Outgoing(Target.SHARED, message.key, message.value, message.headers)]
    return found, _purges(persons, relabel_purge(item, found), by=item.org)


def _consent_event(
    conn: Connection,
    event: _Event,
    persons: Sequence[str],
    state: dict[str, ConsentState],
    now: datetime,
) -> list[Outgoing]:
    """Store the preference under its source key's person, update the batch's view of the
    state, and purge what it removes (again on a repeated event: :func:`rules.purge_for`).

    A preference PostgreSQL refuses to store still counts for the rest of the batch, and its
    purge is still sent, before the event goes to the dead letters: an objection that cannot
    be stored must not let the person's next events through."""
    owner = persons[-1]
    preference = Preference.from_payload(event.payload)
    failed: BaseException | None = None
    try:
        stored = repository.save(conn, preference, source_key=event.source_key, person_id=owner)
    except _UNSTORABLE as exc:
        stored, failed = True, exc
        log.error("consent event could not be stored", error_type=type(exc).__name__)
    if stored:
        for person in persons:
            state[person] = apply(state[person], preference)
    sent = _purges(persons, purge_for(preference.key, state[owner], now), by=preference.org)
    return [*sent, _dead_letter(event.message, failed)] if failed else sent


def follow_identity(
    conn: Connection, batch: Sequence[InboundMessage], *, now: datetime
) -> list[Outgoing]:
    """Apply a batch of identity changes; returns purges and dead letters to send.

    The moves of a run of changes that purge nothing (new persons, links) are stored in one
    statement (:func:`repository.move_many`); a change that may move records into an objecting
    person stores the run up to itself first, so it judges the state exactly as one-by-one
    moves would have left it."""
    outgoing: list[Outgoing] = []
    pending: list[tuple[InboundMessage, Move]] = []
    for message in batch:
        try:
            change = _change(message)
        except _UNREADABLE as exc:
            outgoing.append(_dead_letter(message, exc))
            log.error("identity change dead-lettered", error_type=type(exc).__name__)
            continue
        if isinstance(change, Outgoing):
            outgoing.append(change)
            continue
        pending.append((message, change[1]))
        if not may_move_records(change[0]):
            continue
        refused = _store_moves(conn, pending)
        outgoing.extend(letter for _, letter in refused)
        if any(m is message for m, _ in refused):
            continue  # its move is not stored: dead-lettered, as one by one
        try:
            outgoing.extend(_purges_after(conn, change[0], now))
        except _UNREADABLE as exc:
            outgoing.append(_dead_letter(message, exc))
            log.error("identity change dead-lettered", error_type=type(exc).__name__)
    outgoing.extend(letter for _, letter in _store_moves(conn, pending))
    return outgoing


def _change(message: InboundMessage) -> tuple[dict[str, Any], Move] | Outgoing:
    """The decoded identity change and its move, or a dead letter."""
    if message.value is None:
        return _dead_letter(message, "MissingValue")
    record = codec.decode_record(message.value)
    if record.schema_name != "identity_change":
        return _dead_letter(message, "NotAnIdentityChange")
    change = record.payload
    return change, Move.of(change)


def _store_moves(
    conn: Connection, pending: list[tuple[InboundMessage, Move]]
) -> list[tuple[InboundMessage, Outgoing]]:
    """Store (and clear) ``pending`` moves in one statement; if PostgreSQL refuses it, one by
    one, dead-lettering only the changes it refuses. Returns those, with their dead letters."""
    moves, pending[:] = list(pending), []
    try:
        repository.move_many(conn, [move for _, move in moves])
        return []
    except _UNSTORABLE:
        pass
    letters = []
    for message, move in moves:
        try:
            repository.move_many(conn, [move])
        except _UNSTORABLE as exc:
            letters.append((message, _dead_letter(message, exc)))
            log.error("identity change dead-lettered", error_type=type(exc).__name__)
    return letters


def _purges_after(conn: Connection, change: dict[str, Any], now: datetime) -> list[Outgoing]:
    """The purges a change that moved records calls for (its move is stored)."""
    keys, person = change["source_keys"], change["person_id"]
    previous = change.get("previous_person_id")
    if not repository.states(conn, [person])[person].objects(now):
        return []
    retired = [previous] if change["kind"] == "MERGE" and previous else []
    purges = [
        PurgePerson(p, str(uuid.uuid4()), "objection", requested_by=_PIPELINE)
        for p in (person, *retired)
    ]
    # The moved records' documents, on both persons' partitions: a late event of the previous
    # person on its own partition must not land after the only purge of its record.
    for holder in dict.fromkeys(p for p in (person, previous) if p):
        if keys:
            purges.append(
                PurgePerson(
                    holder,
                    str(uuid.uuid4()),
                    "objection",
                    source_keys=tuple(keys),
                    requested_by=_PIPELINE,
                )
            )
    return [_command(p) for p in purges]
