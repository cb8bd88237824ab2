"""Read-only looks at one run's pipeline: Kafka offsets, the MPI's held events, what the
forwarding and dead-letter topics hold. Thin I/O.

Offsets come from the broker (``list_offsets`` for topic ends, ``list_consumer_group_offsets``
for what a group committed), so the probe never joins a group and never disturbs a worker.
Topics are read back (:func:`read_log`) with an assigned consumer, which joins no group either.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # OffsetSpec: not in __all__
    AdminClient,
    OffsetSpec,
)

from consumers.ops.bench.errors import BenchError
from consumers.ops.bench.lag import PipelineSnapshot, StageOffsets
from consumers.ops.bench.outcomes import (
    DeadLetters,
    LogMessage,
    PipelineLog,
    Position,
    dead_letters,
    forwarded,
)
from consumers.ops.bench.space import BenchSpace
from consumers.ops.groups import committed_offsets, list_offsets
from consumers.ops.offsets import Partition
from mcr.core.topic_reader import TopicReadError, read_topic

__all__ = [
    "MpiState",
    "OffsetProbe",
    "Position",
    "backend_pids",
    "mpi_state",
    "pipeline_log",
    "read_log",
]

TIMEOUT_S = 10.0
READ_TIMEOUT_S = 120.0


class OffsetProbe:
    """Topic ends and committed offsets of one run's stages."""

    def __init__(self, space: BenchSpace, admin: AdminClient | None = None) -> None:
        self._space = space
        self._admin = admin or AdminClient(space.targets.kafka.config())
        self._sources = _partitions(space.source_topics, space.partitions)
        self._linked = _partitions([space.linked_topic], space.partitions)
        self._changes = _partitions([space.changes_topic], space.partitions)
        self._shared = _partitions([space.shared_topic], space.partitions)
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
        between = [*self._linked, *self._changes]
        identity = self.committed(self._space.identity_group, self._sources)
        consent = self.committed(self._space.consent_group, between)
        ends = self.ends([*between, *self._shared])
        projection = self.committed(self._space.record_group, [*self._shared, *self._changes])
        return PipelineSnapshot(
            t=time.monotonic() - since,
            identity=StageOffsets.of(identity, source_ends),
            consent=StageOffsets.of(consent, _only(ends, between)),
            projection=StageOffsets.of(projection, _only(ends, self._shared)),
            changes=StageOffsets.of(projection, _only(ends, self._changes)),
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
        space.targets.identity_dsn, autocommit=True, options=f"-c search_path={space.schema}"
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
    with psycopg.connect(space.targets.identity_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
            (space.application_name,),
        ).fetchall()
    return [int(row[0]) for row in rows]


def read_log(space: BenchSpace, probe: OffsetProbe, topic: str) -> list[LogMessage]:
    """Every message of the run's ``topic`` up to its end now, each partition in order
    (``mcr.core.topic_reader``: assigned, never subscribed). Raises BenchError when the topic
    cannot be read to its end within :data:`READ_TIMEOUT_S` (an incomplete read would make the
    accounting wrong).
    """
    ends = {p: end for (_, p), end in probe.ends(_partitions([topic], space.partitions)).items()}
    try:
        return [
            LogMessage(m.key, m.value, m.headers, m.partition, m.offset)
            for m in read_topic(space.targets.kafka, topic, ends=ends,
                                timeout_s=READ_TIMEOUT_S)
        ]  # fmt: skip
    except TopicReadError as exc:
        raise BenchError(str(exc)) from exc


def pipeline_log(space: BenchSpace, probe: OffsetProbe) -> tuple[PipelineLog, DeadLetters]:
    """What the run's linked and shared topics hold, and its dead letters (each read once)."""
    log = forwarded(
        read_log(space, probe, space.linked_topic), read_log(space, probe, space.shared_topic)
    )
    return log, dead_letters(read_log(space, probe, space.dlq_topic))


def _partitions(topics: Sequence[str], count: int) -> list[Partition]:
    return [(topic, partition) for topic in topics for partition in range(count)]


def _only(offsets: dict[Partition, int], keep: Sequence[Partition]) -> dict[Partition, int]:
    return {tp: offsets[tp] for tp in keep}
