"""Rebuild the record projection from the log into a new index version, then swap the alias.

Steps (the old index keeps serving reads, and the live worker keeps writing to it, throughout):

1. create ``<alias>-v1-<now>`` from the template, with refresh off while bulk loading;
2. read every partition of the identity-change topic, then of the source topic, from its
   earliest offset up to the end offsets taken at the start (explicit assignment, no group
   commits), writing through the same pipeline as the live worker;
3. turn refresh back on and catch up in rounds until little is left;
4. swap the alias in one atomic request: from now on the live worker writes to the new index;
5. catch up once more to the end offsets taken *after* the swap, so every event the live
   worker wrote only to the old index before the swap also reaches the new one. External
   versioning makes the overlap harmless;
6. keep the old index until ``mcr rebuild drop-old`` (or ``--drop-old``).

Within a round, identity changes are applied before records: they leave versioned routes, so
every item written afterwards lands under the person its source key belongs to now, and a
purge command read later in the source topic removes everything of that person, including
items a merge brought in. (Records first would let a merge read after a purge move a retired
person's items into a person who had objected.)
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import Consumer, Producer, TopicPartition
from opensearchpy import OpenSearch

from consumers.ops.errors import RebuildError
from consumers.ops.offsets import Partition, remaining
from mcr.core.errors import McrError
from mcr.core.kafka_acls import OPS
from mcr.core.logging import get_logger
from mcr.core.progress_port import NullProgress, Progress
from projections.dlq import DeadLetterSender
from projections.record.indices import (
    create_index_version,
    drop_old_versions,
    ensure_template,
    set_refresh_interval,
    swap_alias,
)
from projections.record.messages import from_kafka
from projections.record.pipeline import RecordPipeline
from projections.record.runner import backoff_of, consumer_config, producer_config
from projections.record.settings import RecordSettings
from projections.record.writer import RecordWriter, connect

__all__ = ["STAGE", "NullProgress", "Progress", "RebuildResult", "rebuild_record"]

STAGE = "projection.record.rebuild"
CONSUME_BATCH = 500
log = get_logger(__name__)


@dataclass(frozen=True)
class RebuildResult:
    """The new index, the indices the alias left, and what it took."""

    index: str
    previous: tuple[str, ...]
    dropped: tuple[str, ...]
    events: int
    rounds: int
    duration_s: float


class _Drain:
    """Reads assigned partitions from positions to end offsets into one pipeline."""

    def __init__(self, consumer: Consumer, pipeline: RecordPipeline, progress: Progress) -> None:
        self.consumer = consumer
        self.pipeline = pipeline
        self.progress = progress
        self.positions: dict[Partition, int] = {}
        self.events = 0

    def watermarks(self, topics: Sequence[str]) -> dict[Partition, tuple[int, int]]:
        metadata = self.consumer.list_topics(timeout=30).topics
        marks: dict[Partition, tuple[int, int]] = {}
        for topic in topics:
            for partition in sorted(metadata[topic].partitions):
                tp = TopicPartition(topic, partition)
                marks[(topic, partition)] = self.consumer.get_watermark_offsets(tp, timeout=30)
        return marks

    def ends(self, topics: Sequence[str]) -> dict[Partition, int]:
        return {tp: high for tp, (_low, high) in self.watermarks(topics).items()}

    def run(self, ends: dict[Partition, int]) -> None:
        todo = {tp: end for tp, end in ends.items() if self.positions[tp] < end}
        if not todo:
            return
        self.consumer.assign([TopicPartition(t, p, self.positions[(t, p)]) for t, p in todo])
        while todo:
            messages = self.consumer.consume(CONSUME_BATCH, timeout=0.5)
            for message in messages:
                error = message.error()
                if error is None:
                    self._handle(message, todo)
                else:
                    log.warning("kafka error", error_type=error.name(), topic=message.topic())
            if not messages:
                self._check_positions(todo)
            self.progress.advance(len(messages))
        self.pipeline.settle()
        self.consumer.unassign()

    def _handle(self, message: object, todo: dict[Partition, int]) -> None:
        raw = from_kafka(message)
        self.pipeline.handle(raw)
        tp = (raw.topic, raw.partition)
        self.positions[tp] = raw.offset + 1
        self.events += 1
        if tp in todo and self.positions[tp] >= todo[tp]:
            del todo[tp]

    def _check_positions(self, todo: dict[Partition, int]) -> None:
        """Partitions whose end is a marker that is never delivered still finish."""
        assigned = [TopicPartition(t, p) for t, p in todo]
        for tp in self.consumer.position(assigned):
            if tp.offset >= 0 and tp.offset >= todo[(tp.topic, tp.partition)]:
                self.positions[(tp.topic, tp.partition)] = tp.offset
                del todo[(tp.topic, tp.partition)]


def _round(drain: _Drain, topics: Sequence[str], name: str) -> int:
    """Catch every topic up, in order, to its current end; returns how much was left."""
    left = 0
    for topic in topics:
        ends = drain.ends([topic])
        left += remaining(drain.positions, ends)
        drain.progress.phase(f"{name}: {topic}", remaining(drain.positions, ends))
        drain.run(ends)
    return left


def _pipeline(
    settings: RecordSettings, client: OpenSearch, index: str, producer: Producer
) -> RecordPipeline:
    return RecordPipeline(
        writer=RecordWriter(client, target=index, require_alias=False),
        dead_letters=DeadLetterSender(producer, topic=settings.dlq_topic, stage=STAGE),
        identity_topic=settings.identity_topic,
        flush_max_docs=max(settings.flush_max_docs, 1000),
        backoff=backoff_of(settings),
        wait=time.sleep,
    )


def _consumer(settings: RecordSettings) -> Consumer:
    group = f"{settings.group_id}.rebuild.{uuid.uuid4().hex[:8]}"  # never commits
    return Consumer(consumer_config(settings, principal=OPS, **{"group.id": group}))


def rebuild_record(
    settings: RecordSettings,
    *,
    client: OpenSearch | None = None,
    progress: Progress | None = None,
    catch_up_below: int = 500,
    max_rounds: int = 10,
    drop_old: bool = False,
) -> RebuildResult:
    """Rebuild the alias's index from the log and swap it in (see the module docstring).

    Raises RebuildError when anything fails before the swap (the new index is deleted and the
    alias is untouched).
    """
    started = time.monotonic()
    client = client or connect(
        settings.opensearch_url.get_secret_value(), ca_file=settings.opensearch_ca_file
    )
    progress = progress or NullProgress()
    topics = (settings.identity_topic, settings.source_topic)
    ensure_template(client, settings)
    new_index = create_index_version(client, settings, now=datetime.now(UTC), refresh_interval="-1")
    producer = Producer(producer_config(settings, principal=OPS))
    drain = _Drain(_consumer(settings), _pipeline(settings, client, new_index, producer), progress)
    try:
        previous, rounds = _load_and_swap(
            client, settings, drain, topics, new_index,
            catch_up_below=catch_up_below, max_rounds=max_rounds,
        )  # fmt: skip
        _final_catch_up(drain, topics, new_index)
    finally:
        drain.consumer.close()
        producer.flush(10)
    dropped = drop_old_versions(client, settings.alias) if drop_old else []
    log.info("rebuild finished", index=new_index, events=drain.events, count=rounds)
    return RebuildResult(new_index, tuple(previous), tuple(dropped), drain.events, rounds,
                         time.monotonic() - started)  # fmt: skip


def _load_and_swap(
    client: OpenSearch,
    settings: RecordSettings,
    drain: _Drain,
    topics: Sequence[str],
    new_index: str,
    *,
    catch_up_below: int,
    max_rounds: int,
) -> tuple[list[str], int]:
    try:
        drain.positions = {tp: low for tp, (low, _high) in drain.watermarks(topics).items()}
        _round(drain, topics, "load")
        set_refresh_interval(client, new_index, settings.refresh_interval)
        rounds = 1
        while rounds < max_rounds and _round(drain, topics, "catch up") >= catch_up_below:
            rounds += 1
        drain.pipeline.settle()
        return swap_alias(client, settings.alias, new_index), rounds
    except (McrError, KeyError) as exc:
        client.indices.delete(index=new_index, params={"ignore_unavailable": "true"})
        raise RebuildError(f"rebuild into {new_index} failed before the swap") from exc


def _final_catch_up(drain: _Drain, topics: Sequence[str], new_index: str) -> None:
    try:
        _round(drain, topics, "after swap")
        drain.pipeline.settle()
    except McrError as exc:
        log.error("rebuild swapped but did not catch up; run it again", index=new_index)
        raise RebuildError(
            f"{new_index} is live but missed the final catch-up: rebuild again"
        ) from exc
