"""One batch of consumed messages -> what the de-identification stage sends to
``mcr.planning``. The de-identifying is :mod:`transform`; this module reads the consent state
and builds messages.

``planning_batch`` (``mcr.linked``): each event is judged by the consent state of the person in
its header *and* of the person its source key belongs to now (as the consent stage does); if
either has a live Type 1 or National Data Opt-out, nothing of it goes to planning. A consent
event about an opt-out is stored here too (the same idempotent upsert the consent stage makes:
the newest version wins), so this stage never judges by a state older than what it has read,
whichever of the two agents gets to the event first; it then sends ``planning-opt-out`` (remove
and keep out the person's contribution) or ``planning-opt-in`` (the opt-out was withdrawn),
decided from the state as held, so a repeat sends the same command again (idempotent).

``planning_moves`` (``mcr.identity.changes``): a merge, unmerge or re-link sends
``planning-move`` (the moved source records' contributions now count for the new person), and
``planning-opt-out`` when that person has opted out.

An objection to the shared care record (direct care) is not an opt-out from planning.
Unreadable messages are skipped and counted: the consent stage dead-letters the same ones.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from schemas import codec
from schemas.events import PERSON_ID_HEADER, RecordType, source_key
from schemas.planning import (
    PlanningCommand,
    PlanningMove,
    PlanningOptIn,
    PlanningOptOut,
    planning_command_message,
)
from streams.consent import repository
from streams.consent.moves import Move, may_move_records
from streams.consent.state import ConsentState, Preference, Scope, apply, fold
from streams.deid.classes import Classes
from streams.deid.pseudonyms import Pseudonymiser
from streams.deid.transform import deidentify

__all__ = [
    "OPT_OUT_SCOPES",
    "Outgoing",
    "PlanningOutcome",
    "outcome_labels",
    "planning_batch",
    "planning_moves",
]

Connection = psycopg.Connection[Any]
Headers = list[tuple[str, bytes]]
OPT_OUT_SCOPES = {
    Scope.TYPE_1_OPT_OUT: "type-1",
    Scope.NATIONAL_DATA_OPT_OUT: "national-data-opt-out",
}
_UNSTORABLE = (psycopg.DataError, psycopg.errors.ProgramLimitExceeded)
_UNREADABLE = (Exception,)  # any decoding failure: the consent stage dead-letters the message


@dataclass(frozen=True)
class Outgoing:
    """A message for ``mcr.planning``."""

    key: bytes
    value: bytes
    headers: Headers


@dataclass
class PlanningOutcome:
    """What a batch sends, and counts for the batch log (no ids of people)."""

    outgoing: list[Outgoing] = field(default_factory=list)
    events: int = 0
    left_out: int = 0
    skipped: int = 0
    commands: int = 0


def outcome_labels(outcome: PlanningOutcome, handled: int) -> list[str]:
    """One label per handled message for ``mcr_events_total{stage="deid"}``: de-identified,
    opted out, unreadable (skipped; consent dead-letters it), an opt-out or opt-in command,
    or not for planning (a class outside the allow-list, a preference of another scope)."""
    counted = outcome.events + outcome.left_out + outcome.skipped + outcome.commands
    return (["deidentified"] * outcome.events + ["opted_out"] * outcome.left_out
            + ["skipped"] * outcome.skipped + ["command"] * outcome.commands
            + ["not_planned"] * max(handled - counted, 0))  # fmt: skip


@dataclass(frozen=True)
class _Event:
    record_type: RecordType
    payload: dict[str, Any]
    source_key: str
    person_id: str


def _header(headers: Sequence[tuple[str, bytes | None]], name: str) -> str | None:
    for key, value in headers:
        if key == name and value:
            return value.decode("utf-8", errors="replace")
    return None


def _read(value: bytes | None, headers: Sequence[tuple[str, bytes | None]]) -> _Event | None:
    person = _header(headers, PERSON_ID_HEADER)
    if person is None or value is None:
        return None
    try:
        decoded = codec.decode(value)
        header = decoded.payload["header"]
        key = source_key(header["org"], header["local_patient_id"])
    except _UNREADABLE:
        return None
    return _Event(decoded.record_type, decoded.payload, key, person)


def _command(command: PlanningCommand) -> Outgoing:
    return Outgoing(*planning_command_message(command))


def _opted_out(state: dict[str, ConsentState], persons: Sequence[str], now: datetime) -> bool:
    return any(state[p].opted_out_of_secondary_use(now) for p in persons)


def planning_batch(
    conn: Connection,
    batch: Sequence[tuple[bytes | None, Sequence[tuple[str, bytes | None]]]],
    *,
    now: datetime,
    pseudonyms: Pseudonymiser,
    classes: Classes,
) -> PlanningOutcome:
    """Decide a batch of ``mcr.linked`` (value, headers) pairs, in order."""
    read = [_read(value, headers) for value, headers in batch]
    events = [e for e in read if e is not None]
    moved = repository.persons_of(conn, {e.source_key for e in events})
    persons_of = {id(e): tuple(dict.fromkeys((e.person_id, moved.get(e.source_key, e.person_id))))
                  for e in events}  # fmt: skip
    state = repository.states(conn, {p for ps in persons_of.values() for p in ps})
    outcome = PlanningOutcome(skipped=len(read) - len(events))
    for event in events:
        persons = persons_of[id(event)]
        if event.record_type is RecordType.CONSENT:
            command = _consent(conn, event, persons, state, now=now, pseudonyms=pseudonyms)
            if command is not None:
                outcome.outgoing.append(_command(command))
                outcome.commands += 1
            continue
        if _opted_out(state, persons, now):
            outcome.left_out += 1
            continue
        planned = deidentify(event.record_type, event.payload, person_id=persons[-1],
                             source_key=event.source_key, pseudonyms=pseudonyms,
                             classes=classes)  # fmt: skip
        if planned is not None:
            value = codec.encode_record("planning_event", planned)
            outcome.outgoing.append(Outgoing(planned["pseudonym"].encode(), value, []))
            outcome.events += 1
    return outcome


def _consent(
    conn: Connection,
    event: _Event,
    persons: Sequence[str],
    state: dict[str, ConsentState],
    *,
    now: datetime,
    pseudonyms: Pseudonymiser,
) -> PlanningCommand | None:
    """Store an opt-out preference, apply it, and say what planning must do about it."""
    try:
        preference = Preference.from_payload(event.payload)
    except (KeyError, TypeError, ValueError):
        return None
    if preference.scope not in OPT_OUT_SCOPES:
        return None
    owner = persons[-1]
    # A preference PostgreSQL refuses still counts for this batch; the consent stage
    # dead-letters the same event and logs it.
    with contextlib.suppress(*_UNSTORABLE):
        repository.save(conn, preference, source_key=event.source_key, person_id=owner)
    for person in persons:
        state[person] = apply(state[person], preference)
    names = tuple(p for person in persons for p in pseudonyms.person_under_every_key(person))
    command_id = str(uuid.uuid4())
    if _opted_out(state, persons, now):
        combined = fold(p for person in persons for p in state[person].preferences.values())
        reason = next(OPT_OUT_SCOPES[s] for s in OPT_OUT_SCOPES if _denies(combined, s, now))
        return PlanningOptOut(command_id, names, reason, preference.org, now)
    return PlanningOptIn(command_id, names)


def _denies(state: ConsentState, scope: Scope, now: datetime) -> bool:
    return any(p.denies(scope, now) for p in state.preferences.values())


def planning_moves(
    conn: Connection, batch: Sequence[bytes | None], *, now: datetime, pseudonyms: Pseudonymiser
) -> PlanningOutcome:
    """Follow a batch of identity changes (see the module docstring). The moves of a run of
    changes that move nobody's records are stored in one statement; a merge, unmerge or
    re-link stores the run up to itself before it reads the opt-outs."""
    outcome = PlanningOutcome()
    pending: list[Move] = []
    for value in batch:
        try:
            record = codec.decode_record(value or b"")
            change = record.payload
            move = Move.of(change)
        except _UNREADABLE:
            outcome.skipped += 1
            continue
        if record.schema_name != "identity_change":
            outcome.skipped += 1
            continue
        pending.append(move)
        if not may_move_records(change):
            continue
        _store(conn, pending)
        for command in _follow(conn, change, now, pseudonyms):
            outcome.outgoing.append(_command(command))
            outcome.commands += 1
    _store(conn, pending)
    return outcome


def _store(conn: Connection, pending: list[Move]) -> None:
    """Store (and clear) ``pending``; a move PostgreSQL refuses is skipped here (the consent
    stage dead-letters the same change)."""
    moves, pending[:] = list(pending), []
    try:
        repository.move_many(conn, moves)
    except _UNSTORABLE:
        for move in moves:
            with contextlib.suppress(*_UNSTORABLE):
                repository.move_many(conn, [move])


def _follow(conn: Connection, change: dict[str, Any], now: datetime,
            pseudonyms: Pseudonymiser) -> list[PlanningCommand]:  # fmt: skip
    """The commands of a change that moved records (its move is stored)."""
    keys, person = change["source_keys"], change["person_id"]
    commands: list[PlanningCommand] = []
    if keys:
        sources = tuple(pseudonyms.source(k) for k in keys)
        target, at = pseudonyms.person(person), change["occurred_at"]
        commands.append(PlanningMove(str(uuid.uuid4()), sources, target, at))
    if repository.states(conn, [person])[person].opted_out_of_secondary_use(now):
        names = pseudonyms.person_under_every_key(person)
        commands.append(PlanningOptOut(str(uuid.uuid4()), names, "identity-change", "mcr", now))
    return commands
