"""Read-only looks at one run's pipeline: Kafka offsets, the MPI's held events. Thin I/O.

Offsets come from the broker (``list_offsets`` for topic ends, ``list_consumer_group_offsets``
for what a group committed), so the probe never joins a group and never disturbs a worker.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # OffsetSpec: not in __all__
    AdminClient,
    OffsetSpec,
)

from consumers.ops.bench.lag import PipelineSnapshot, StageOffsets
from consumers.ops.bench.space import BenchSpace
from consumers.ops.groups import committed_offsets, list_offsets
from consumers.ops.offsets import Partition
from schemas.events import DLQ_OFFSET, DLQ_PARTITION, DLQ_TOPIC_HEADER

__all__ = [
    "MpiState",
    "OffsetProbe",
    "Position",
    "backend_pids",
    "dead_letter_positions",
    "mpi_state",
]

TIMEOUT_S = 10.0
Position = tuple[str, int, int]
"""Where a message was read: topic, partition, offset."""


class OffsetProbe:
    """Topic ends and committed offsets of one run's stages."""

    def __init__(self, space: BenchSpace, admin: AdminClient | None = None) -> None:
        self._space = space
        self._admin = admin or AdminClient({"bootstrap.servers": space.targets.kafka_bootstrap})
        self._sources = _partitions(space.source_topics, space.partitions)
        self._linked = _partitions([space.linked_topic], space.partitions)
        self._changes = _partitions([space.changes_topic], space.partitions)
        self._dlq = _partitions([space.dlq_topic], space.partitions)

    def ends(self, partitions: Sequence[Partition]) -> dict[Partition, int]:
        """The end offset (next offset to be written) of each partition."""
        latest = OffsetSpec.latest()  # type: ignore[no-untyped-call]
        return list_offsets(self._admin, partitions, latest, timeout_s=TIMEOUT_S)

    def committed(self, group: str, partitions: Sequence[Partition]) -> dict[Partition, int | None]:
        """What ``group`` committed on each partition (negative or absent: nothing)."""
        return committed_offsets(self._admin, group, partitions, timeout_s=TIMEOUT_S)

    def snapshot(self, since: float) -> PipelineSnapshot:
        """Every stage's offsets now, stamped with seconds since the monotonic time ``since``."""
        source_ends = self.ends(self._sources)
        identity = self.committed(self._space.identity_group, self._sources)
        linked_ends = self.ends([*self._linked, *self._changes])
        projection = self.committed(self._space.record_group, [*self._linked, *self._changes])
        return PipelineSnapshot(
            t=time.monotonic() - since,
            identity=StageOffsets.of(identity, source_ends),
            projection=StageOffsets.of(projection, _only(linked_ends, self._linked)),
            changes=StageOffsets.of(projection, _only(linked_ends, self._changes)),
        )

    def written(self, topic: str) -> int:
        """Messages written to ``topic`` (one of the run's topics)."""
        return sum(self.ends(_partitions([topic], self._space.partitions)).values())

    @property
    def dead_letters(self) -> int:
        """Messages on the run's dead-letter topic."""
        return sum(self.ends(self._dlq).values())


@dataclass(frozen=True)
class MpiState:
    """Held events and the outbox, as the identity stage left them."""

    held: dict[Position, str]
    """Positions of events still held (not released), with the reason."""
    forwarded: frozenset[Position]
    """Positions of events that were held, then released and forwarded."""
    released_unforwarded: int
    unpublished_changes: int

    @property
    def settled(self) -> bool:
        """True when nothing released or decided is still waiting to be sent."""
        return self.released_unforwarded == 0 and self.unpublished_changes == 0

    def held_by_reason(self) -> dict[str, int]:
        """How many events are held, per reason."""
        counts: dict[str, int] = {}
        for reason in self.held.values():
            counts[reason] = counts.get(reason, 0) + 1
        return counts


def mpi_state(space: BenchSpace) -> MpiState:
    """The run's MPI: held events by position, and what the outbox has yet to send."""
    with psycopg.connect(
        space.targets.postgres_dsn, autocommit=True, options=f"-c search_path={space.schema}"
    ) as conn:
        held = conn.execute(
            'SELECT topic, "partition", "offset", reason FROM held_events WHERE released_at IS NULL'
        ).fetchall()
        forwarded = conn.execute(
            'SELECT topic, "partition", "offset" FROM held_events WHERE forwarded_at IS NOT NULL'
        ).fetchall()
        waiting = conn.execute(
            "SELECT count(*) FROM held_events "
            "WHERE released_at IS NOT NULL AND forwarded_at IS NULL"
        ).fetchone()
        unpublished = conn.execute(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        ).fetchone()
    return MpiState(
        held={(topic, partition, offset): reason for topic, partition, offset, reason in held},
        forwarded=frozenset((topic, partition, offset) for topic, partition, offset in forwarded),
        released_unforwarded=int(waiting[0]) if waiting else 0,
        unpublished_changes=int(unpublished[0]) if unpublished else 0,
    )


def backend_pids(space: BenchSpace) -> list[int]:
    """PostgreSQL backends serving the run's workers (by their ``application_name``)."""
    with psycopg.connect(space.targets.postgres_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
            (space.application_name,),
        ).fetchall()
    return [int(row[0]) for row in rows]


def dead_letter_positions(space: BenchSpace, *, count: int) -> set[Position]:
    """Where each of the first ``count`` dead letters of the run was read (from its headers)."""
    consumer = Consumer(
        {
            "bootstrap.servers": space.targets.kafka_bootstrap,
            "group.id": f"{space.identity_group}-dlq-reader",
            "enable.auto.commit": False,
        }
    )
    consumer.assign(
        [
            TopicPartition(t, p, OFFSET_BEGINNING)
            for t, p in _partitions([space.dlq_topic], space.partitions)
        ]
    )
    found: set[Position] = set()
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while len(found) < count and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=500, timeout=0.5):
                if message.error() is None:
                    headers = message.headers() or []
                    pairs = list(headers.items() if isinstance(headers, dict) else headers)
                    found.add(_dead_letter_position(pairs))
    finally:
        consumer.close()
    return found


def _dead_letter_position(headers: Sequence[tuple[str, str | bytes | None]]) -> Position:
    named = {name: _text(value) for name, value in headers}
    offset = named.get(DLQ_OFFSET, "")
    partition = named.get(DLQ_PARTITION, "")
    return (
        named.get(DLQ_TOPIC_HEADER, ""),
        int(partition) if partition.isdigit() else -1,
        int(offset) if offset.isdigit() else -1,
    )


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value or ""


def _partitions(topics: Sequence[str], count: int) -> list[Partition]:
    return [(topic, partition) for topic in topics for partition in range(count)]


def _only(offsets: dict[Partition, int], keep: Sequence[Partition]) -> dict[Partition, int]:
    return {tp: offsets[tp] for tp in keep}
