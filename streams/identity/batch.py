"""Destination a batch of consumed source events with as few MPI round trips as the rules allow.

The stream's hot path. Events are dispatched strictly in consumption order, so the events of one
source key (one partition) stay in order. One indexed query finds every already-linked
``(org, local id)`` of the batch, and their events are dispatched from it without scoring (rule 1
of the README). Everything else (an unknown record, changed demographics, an HL7 A40 merge)
goes through :func:`handler.dispatch_decoded`, which decides inside its own transaction under
the advisory locks, exactly as for a single event; the batch's view is then updated from the
outcome, so a later event of a record first seen in this batch finds the link the first one
made, and the later events of a held record are held too. An A40 merge can move other
records, so the view is read again after one.

Like the single-event path, a known record's person is read once per batch: a merge made by
another process while the batch is dispatched is announced on ``mcr.identity.changes``.

Held events released by a link (in this batch, an earlier one, or a review decision) are
forwarded by the outbox drain, not by the batch. So that they are not overtaken, a linked
record that still has released events waiting has its events in this batch queued behind
them in the outbox (destination HELD, rule ``queued-behind-released``) rather than sent directly;
the drain forwards them in the order they were held. One more indexed query per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from schemas.events import PersonId, SourceKey
from streams.database import RETRYABLE
from streams.identity import outbox, repository
from streams.identity.demographics import Demographics
from streams.identity.handler import (
    Destination,
    Dispatch,
    IdentityInput,
    decode_event,
    dispatch_decoded,
    linked,
)
from streams.identity.outbox import RawEvent
from streams.identity.scoring import MatchWeights

__all__ = ["KNOWN_RULE", "QUEUED_RULE", "SourceMessage", "handle_batch"]

KNOWN_RULE = "known-source-record"
QUEUED_RULE = "queued-behind-released"
# A lost or busy database fails the whole batch, which is retried (streams/database.py):
# MPI decisions already committed then resolve as known.
Known = dict[SourceKey, tuple[PersonId, Demographics]]


@dataclass(frozen=True)
class SourceMessage:
    """One consumed message: its value and where it was read."""

    value: bytes
    topic: str
    partition: int
    offset: int


def handle_batch(
    conn: psycopg.Connection[Any],
    batch: Sequence[SourceMessage],
    *,
    weights: MatchWeights,
    topic_prefix: str = "",
) -> list[Dispatch]:
    """One dispatch per consumed message, in order (see the module docstring); source topics
    are named after ``topic_prefix``."""
    decoded = [
        decode_event(c.value, topic=c.topic, partition=c.partition, offset=c.offset,
                     topic_prefix=topic_prefix)
        for c in batch
    ]  # fmt: skip
    records = [d.record for d in decoded if isinstance(d, IdentityInput)]
    known = _lookup(conn, records)
    dispatches: list[Dispatch] = []
    for item in decoded:
        if isinstance(item, Dispatch):
            dispatches.append(item)
            continue
        fast = _from_known(item, known)
        if fast is not None:
            dispatches.append(fast)
            continue
        dispatch = _slow_path(conn, item, weights)
        dispatches.append(dispatch)
        if item.merged_local_ids and dispatch.destination is Destination.LINKED:
            known = _lookup(conn, records)
        else:
            _remember(known, item.record, dispatch)
    return _queue_behind_released(conn, decoded, dispatches)


def _queue_behind_released(
    conn: psycopg.Connection[Any],
    decoded: Sequence[IdentityInput | Dispatch],
    dispatches: list[Dispatch],
) -> list[Dispatch]:
    """Linked events of records whose released held events are not forwarded yet are queued
    behind those in the outbox, in batch order (see the module docstring)."""
    linked_items = {
        index: item
        for index, item in enumerate(decoded)
        if isinstance(item, IdentityInput) and dispatches[index].destination is Destination.LINKED
    }
    keys = ((item.record.org, item.record.local_id) for item in linked_items.values())
    waiting = outbox.unforwarded_keys(conn, keys)
    behind = [i for i, item in linked_items.items() if item.record.source_key in waiting]
    if not behind:
        return dispatches
    outbox.queue_released(conn, [_queued(linked_items[i], dispatches[i]) for i in behind])
    queued, held = Dispatch(Destination.HELD, rule=QUEUED_RULE), set(behind)
    return [queued if i in held else r for i, r in enumerate(dispatches)]


def _queued(item: IdentityInput, dispatch: Dispatch) -> tuple[str, str, PersonId, RawEvent]:
    assert dispatch.person_id is not None  # a LINKED dispatch names its person
    return item.record.org, item.record.local_id, PersonId(dispatch.person_id), item.event


def _slow_path(
    conn: psycopg.Connection[Any], item: IdentityInput, weights: MatchWeights
) -> Dispatch:
    """:func:`dispatch_decoded`; an unexpected error other than a lost or busy database (which
    the caller retries) dead-letters this event only, naming the error class, never a value."""
    try:
        return dispatch_decoded(conn, item, weights=weights, looked_up=True)
    except RETRYABLE:
        raise
    except Exception as exc:  # a poison event must not stall the partition
        return Dispatch(
            Destination.DLQ, reason=f"{type(exc).__name__}: unexpected error in identity"
        )


def _lookup(conn: psycopg.Connection[Any], records: Sequence[Demographics]) -> Known:
    return repository.links_of(conn, ((r.org, r.local_id) for r in records))


def _from_known(item: IdentityInput, known: Known) -> Dispatch | None:
    """The dispatch of a known record's event when rule 1 answers it alone, else None."""
    record = item.record
    found = known.get(record.source_key)
    if found is None or item.merged_local_ids:
        return None
    person_id, stored = found
    if record.has_demographics and record != stored:
        return None  # the slow path stores the new demographics and re-keys blocking
    return linked(item.event, person_id, KNOWN_RULE)


def _remember(known: Known, record: Demographics, dispatch: Dispatch) -> None:
    """What the MPI holds for ``record`` after its event was dispatched the slow way."""
    if dispatch.destination is Destination.LINKED and dispatch.person_id is not None:
        known[record.source_key] = (PersonId(dispatch.person_id), record)
    else:
        known.pop(record.source_key, None)
