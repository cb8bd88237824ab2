"""Rebuild the planning store from the log (``mcr rebuild planning``).

1. read every partition of ``mcr.planning`` from its earliest offset up to the end offsets
   taken at the start, into a fresh schema ``<schema>_rebuild_<time>`` (explicit assignment,
   no group commits), through the same batch code as the live worker;
2. swap in one transaction: the live schema is renamed ``<schema>_old_<time>`` and the new
   one takes its name (the live worker's connections name the schema in their search path, so
   their next statement writes to the new one);
3. catch up to the end offsets taken after the swap, so what the live worker wrote only to
   the old schema before the swap reaches the new one (the store is idempotent: overlaps are
   harmless; receipts are kept by command id, so a replayed opt-out adds none);
4. drop the old schema unless ``--keep-old``.

Opt-outs, opt-ins and moves are in the same log as the events, so the rebuilt store leaves
out exactly whom the live one left out.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from mcr.core import receipts
from mcr.core.kafka_acls import OPS
from mcr.core.logging import get_logger
from mcr.core.postgres import Connection, quoted_schema
from projections.planning import store
from projections.planning.batch import InboundMessage, apply_batch
from projections.planning.runner import consumer_config
from projections.planning.settings import PlanningStoreSettings

__all__ = ["PlanningRebuild", "rebuild_planning"]

CONSUME_BATCH = 1000
log = get_logger(__name__)


@dataclass(frozen=True)
class PlanningRebuild:
    """What a rebuild did."""

    schema: str
    previous: str | None
    events: int
    duration_s: float


def _inbound(m: Any) -> InboundMessage:
    """Copy a confluent-kafka ``Message``."""
    headers = [(n, v or b"") for n, v in (m.headers() or [])]
    return InboundMessage(m.key(), m.value(), headers, m.topic(), m.partition(), m.offset())


def _consumer(settings: PlanningStoreSettings) -> Consumer:
    """An assigned reader as the operators' principal (no group joined, nothing committed)."""
    group = f"mcr-rebuild-{uuid.uuid4().hex[:8]}"
    return Consumer(consumer_config(settings, principal=OPS, **{"group.id": group}))


def _ends(consumer: Consumer, topic: str) -> dict[int, int]:
    partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
    return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
            for p in partitions}  # fmt: skip


def _read_into(conn: Connection, settings: PlanningStoreSettings, starts: dict[int, int],
               ends: dict[int, int]) -> int:  # fmt: skip
    """Apply every message between ``starts`` and ``ends``; returns how many."""
    topic = settings.planning_topic
    consumer = _consumer(settings)
    todo = {p: e for p, e in ends.items() if e > starts.get(p, 0)}
    consumer.assign([TopicPartition(topic, p, starts.get(p, OFFSET_BEGINNING)) for p in todo])
    done = 0
    try:
        while todo:
            found = [m for m in consumer.consume(CONSUME_BATCH, timeout=1.0) if m.error() is None]
            placed = [(int(m.partition() or 0), int(m.offset() or 0), m) for m in found]
            wanted = [m for p, o, m in placed if p in todo and o < todo[p]]
            apply_batch(
                conn, [_inbound(m) for m in wanted], receipts_schema=settings.receipts_schema
            )
            done += len(wanted)
            for p, o, _ in placed:
                if p in todo and o + 1 >= todo[p]:
                    del todo[p]
    finally:
        consumer.close()
    return done


def _swap(conn: Connection, live: str, new: str, old: str) -> str | None:
    """Rename ``live`` to ``old`` (if it exists) and ``new`` to ``live``, atomically."""
    with conn.transaction():
        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (live,)).fetchone()
        if exists:
            conn.execute(f"ALTER SCHEMA {quoted_schema(live)} RENAME TO {quoted_schema(old)}")
        conn.execute(f"ALTER SCHEMA {quoted_schema(new)} RENAME TO {quoted_schema(live)}")
    return old if exists else None


def rebuild_planning(settings: PlanningStoreSettings, *, keep_old: bool = False) -> PlanningRebuild:
    """Rebuild the store from ``mcr.planning`` and swap it in (see the module docstring)."""
    started, stamp = time.monotonic(), time.strftime("%Y%m%d%H%M%S")
    live = settings.schema_name
    new, old = f"{live[:40]}_rebuild_{stamp}", f"{live[:40]}_old_{stamp}"
    dsn = settings.postgres_dsn.get_secret_value()
    receipts.connect(dsn, settings.receipts_schema).close()
    probe = _consumer(settings)
    try:
        first = _ends(probe, settings.planning_topic)
        with store.connect(dsn, new) as conn:
            events = _read_into(conn, settings, {}, first)
        with psycopg.connect(dsn, autocommit=True) as admin:
            previous = _swap(admin, live, new, old)
        after = _ends(probe, settings.planning_topic)
    finally:
        probe.close()
    with store.connect(dsn, live) as conn:
        events += _read_into(conn, settings, first, after)
    if previous and not keep_old:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {quoted_schema(previous)} CASCADE")
    log.info("planning store rebuilt", schema=live, events=events)
    return PlanningRebuild(live, previous if keep_old else None, events, time.monotonic() - started)
