"""Transactional outbox of the MPI: identity changes to publish, and held source events.

Changes are written in the same transaction as the MPI change they describe (by the stream,
a review decision or an operator command), so none is lost; the stream's leader publishes
them to ``mcr.identity.changes`` and marks them. Held events are source events not yet
forwarded (their record is in review or awaits demographics); linking the record releases
them, and the leader forwards released events to ``mcr.linked`` in the order they were held.
While a record has released events not forwarded yet, the stream queues that record's newer
events behind them here (:func:`queue_released`) instead of sending them directly, so the
record's events reach ``mcr.linked`` in consumption order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from schemas.events import PersonId, SourceKey, source_key

__all__ = [
    "RawEvent",
    "ReleasedEvent",
    "add_changes",
    "discard_unforwarded",
    "hold",
    "mark_forwarded",
    "mark_published",
    "queue_released",
    "release",
    "to_forward",
    "unforwarded_keys",
    "unpublished_changes",
]

Connection = psycopg.Connection[Any]
_CHANGE_COLUMNS = (
    "change_id",
    "kind",
    "person_id",
    "previous_person_id",
    "source_keys",
    "rule",
    "score",
    "occurred_at",
)


@dataclass(frozen=True)
class RawEvent:
    """A source event exactly as consumed: where it came from and its Avro bytes."""

    record_type: str
    topic: str
    partition: int
    offset: int
    value: bytes


@dataclass(frozen=True)
class ReleasedEvent:
    """A held event whose record is now linked, ready to forward."""

    held_id: int
    person_id: PersonId
    event: RawEvent


def add_changes(conn: Connection, changes: Sequence[dict[str, Any]]) -> None:
    """Queue identity changes for publishing (call inside the MPI change's transaction)."""
    for change in changes:
        conn.execute(
            """INSERT INTO outbox (change_id, kind, person_id, previous_person_id, source_keys,
                                   rule, score, occurred_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
            tuple(change[name] for name in _CHANGE_COLUMNS),
        )


def unpublished_changes(conn: Connection, limit: int = 500) -> list[dict[str, Any]]:
    """Changes not yet published, oldest first, shaped like ``identity_change`` v1."""
    rows = conn.execute(
        """SELECT change_id, kind, person_id, previous_person_id, source_keys, rule, score,
                  occurred_at
           FROM outbox WHERE published_at IS NULL ORDER BY occurred_at, change_id LIMIT %s""",
        (limit,),
    ).fetchall()
    changes = [dict(zip(_CHANGE_COLUMNS, row, strict=True)) for row in rows]
    for change in changes:
        change["change_id"] = str(change["change_id"])
    return changes


def mark_published(conn: Connection, change_ids: Sequence[str]) -> None:
    """Record that these changes reached Kafka."""
    conn.execute(
        "UPDATE outbox SET published_at = now() WHERE change_id = ANY(%s::uuid[])",
        (list(change_ids),),
    )


def hold(conn: Connection, org: str, local_id: str, reason: str, event: RawEvent) -> None:
    """Park a source event until its record is linked."""
    conn.execute(
        """INSERT INTO held_events (org, local_id, reason, record_type, topic, "partition",
                                    "offset", value) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            org,
            local_id,
            reason,
            event.record_type,
            event.topic,
            event.partition,
            event.offset,
            event.value,
        ),
    )


def release(conn: Connection, org: str, local_id: str, person_id: PersonId) -> int:
    """Release a record's held events to ``person_id``; returns how many."""
    cursor = conn.execute(
        """UPDATE held_events SET person_id = %s, released_at = now()
           WHERE org = %s AND local_id = %s AND released_at IS NULL""",
        (person_id, org, local_id),
    )
    return cursor.rowcount


def unforwarded_keys(conn: Connection, keys: Iterable[tuple[str, str]]) -> set[SourceKey]:
    """Which of these ``(org, local id)`` records have released events not yet forwarded."""
    pairs = sorted(set(keys))
    if not pairs:
        return set()
    rows = conn.execute(
        """SELECT DISTINCT h.org, h.local_id
           FROM unnest(%s::text[], %s::text[]) AS k(org, local_id)
           JOIN held_events h ON h.org = k.org AND h.local_id = k.local_id
           WHERE h.released_at IS NOT NULL AND h.forwarded_at IS NULL""",
        ([org for org, _ in pairs], [local for _, local in pairs]),
    ).fetchall()
    return {source_key(org, local_id) for org, local_id in rows}


def queue_released(conn: Connection, queued: Sequence[tuple[str, str, PersonId, RawEvent]]) -> None:
    """Add ``(org, local id, person, event)`` as already released, in order, behind the
    record's released events still waiting to be forwarded."""
    with conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(
            """INSERT INTO held_events (org, local_id, reason, record_type, topic, "partition",
                                        "offset", value, person_id, released_at)
               VALUES (%s, %s, 'queued-behind-released', %s, %s, %s, %s, %s, %s, now())""",
            [
                (org, local_id, e.record_type, e.topic, e.partition, e.offset, e.value, person)
                for org, local_id, person, e in queued
            ],
        )


def to_forward(conn: Connection, limit: int = 500) -> list[ReleasedEvent]:
    """Released events not yet forwarded, in the order they were held."""
    rows = conn.execute(
        """SELECT held_id, person_id, record_type, topic, "partition", "offset", value
           FROM held_events WHERE released_at IS NOT NULL AND forwarded_at IS NULL
           ORDER BY held_id LIMIT %s""",
        (limit,),
    ).fetchall()
    return [
        ReleasedEvent(
            row[0], PersonId(row[1]), RawEvent(row[2], row[3], row[4], row[5], bytes(row[6]))
        )
        for row in rows
    ]


def mark_forwarded(conn: Connection, held_ids: Sequence[int]) -> None:
    """Record that these held events reached ``mcr.linked``."""
    conn.execute(
        "UPDATE held_events SET forwarded_at = now() WHERE held_id = ANY(%s)", (list(held_ids),)
    )


def discard_unforwarded(conn: Connection, org: str) -> int:
    """Drop ``org``'s held events that never reached ``mcr.linked`` (waiting for a link or a
    review, or released but not yet forwarded): an organisation purge must not be undone by a
    later release. Returns how many were dropped."""
    with conn.transaction():
        cursor = conn.execute(
            "DELETE FROM held_events WHERE org = %s AND forwarded_at IS NULL", (org,)
        )
    return cursor.rowcount
