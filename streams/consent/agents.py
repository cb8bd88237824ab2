"""faust agents of the consent stage: thin loops around :mod:`gate`. No consent rules here.

- ``share`` consumes ``mcr.linked`` in batches, decides them in a worker thread (psycopg is
  synchronous) and sends shareable events and purge commands to ``mcr.shared`` (dead letters
  to ``mcr.dlq``), in order; the batch is acknowledged only once Kafka has every send
  (``noack_take``): at-least-once, never lost, and repeats are harmless downstream.
- ``follow_identity`` consumes ``mcr.identity.changes`` the same way, so preferences follow
  merges and unmerges, and purges the person records were moved to when that person objects.

Topics, batch size and the tables come from the :class:`ConsentSettings` the worker's entry
point passed to :func:`streams.app.configure`, which must run before this module is imported.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from mcr.core.kafka_acls import STREAMS
from mcr.core.logging import get_logger
from mcr.core.metrics import count_batch, count_dead_letter
from schemas.events import DLQ_REASON
from streams import app as streams_app
from streams.consent import repository
from streams.consent.gate import InboundMessage, Outgoing, Target, follow_identity, share_batch
from streams.consent.restore import person_history
from streams.consent.rules import kept_back
from streams.database import StageDatabase

__all__ = ["DATABASE", "SETTINGS", "follow_identity_changes", "restore", "send", "share"]

log = get_logger(__name__)
# The application and settings the worker's entry point configured (streams.app.configure).
app = streams_app.current()
SETTINGS = streams_app.settings().consent


def _prepare() -> None:
    repository.connect(SETTINGS.postgres_dsn.get_secret_value(), SETTINGS.schema_name).close()


DATABASE = StageDatabase(
    "consent",
    dsn=SETTINGS.postgres_dsn.get_secret_value(),
    schema=SETTINGS.schema_name,
    prepare=_prepare,
)

linked_topic = app.topic(SETTINGS.linked_topic, key_type=bytes, value_type=bytes)
changes_topic = app.topic(SETTINGS.changes_topic, key_type=bytes, value_type=bytes)
shared_topic = app.topic(SETTINGS.shared_topic, key_type=bytes, value_type=bytes)
dlq_topic = app.topic(SETTINGS.dlq_topic, key_type=bytes, value_type=bytes)
_TOPICS = {Target.SHARED: shared_topic, Target.DLQ: dlq_topic}
# One decide-and-send at a time: otherwise ``follow_identity_changes`` could move a person's
# source keys and send their purge between ``share`` reading the old mapping and sending an
# event of that person, and the event would land after its purge.
_DECIDING = asyncio.Lock()
# Restores in flight (kept so they are not garbage-collected before they finish).
_RESTORING: list[asyncio.Future[int]] = []


def _consumed(event: Any) -> InboundMessage:
    message = event.message
    headers = [(name, value) for name, value in (message.headers or [])]
    return InboundMessage(
        message.key, event.value, headers, message.topic, message.partition, message.offset
    )


async def send(item: Outgoing) -> Awaitable[Any]:
    """Send one message to its topic; returns its delivery future."""
    topic = _TOPICS[item.target]
    return await topic.send(key=item.key, value=item.value, headers=item.headers)


async def _send(outgoing: Sequence[Outgoing]) -> None:
    """Send in order, then wait until Kafka has every message."""
    await asyncio.gather(*[await send(item) for item in outgoing])


async def _acknowledge(stream: Any, events: Sequence[Any]) -> None:
    for event in events:
        await stream.ack(event)


def _history(persons: Sequence[str], keys: Sequence[str]) -> list[InboundMessage]:
    streams = streams_app.settings().streams
    return person_history(streams.kafka.resolve(STREAMS), SETTINGS.linked_topic, persons=persons,
                          keys=keys, group_prefix=f"{streams.app_id}-restore-")  # fmt: skip


def _keys_of(conn: Any, persons: Sequence[str]) -> list[str]:
    return [key for person in persons for key in repository.source_keys_of(conn, person)]


async def restore(persons: Sequence[str]) -> int:
    """Share again what may now be shared of ``persons`` (an objection was withdrawn): their
    events in mcr.linked judged again, under the decide-and-send lock; returns how many
    messages went to mcr.shared. Runs beside the agents (reading the log takes a while)."""
    started = time.perf_counter()
    keys = await DATABASE.run_retrying(_keys_of, persons=persons)
    history = await asyncio.get_running_loop().run_in_executor(None, _history, persons, keys)
    async with _DECIDING:
        outcome = await DATABASE.run_retrying(share_batch, batch=history, now=datetime.now(UTC))
        shared = [o for o in outcome.outgoing if o.target is Target.SHARED]
        await _send(shared)
    log.info("record restored after a withdrawal", count=len(history), sent=len(shared),
             duration_ms=round((time.perf_counter() - started) * 1000, 1))  # fmt: skip
    return len(shared)


def _start_restore(persons: Sequence[str]) -> None:
    _RESTORING[:] = [f for f in _RESTORING if not f.done()]
    task = asyncio.ensure_future(restore(persons))
    task.add_done_callback(_restored)
    _RESTORING.append(task)


def _restored(task: asyncio.Future[int]) -> None:
    """A failed restore is an error for a person to look at: the withdrawal is stored, new
    events flow, but the earlier record stays away until a replay (docs/operations.md)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("restore after a withdrawal failed", error_type=type(task.exception()).__name__)


def _count(outgoing: Sequence[Outgoing], withheld: Mapping[str, int], elapsed: float) -> None:
    """Metrics of one batch: messages out by target, events kept back by reason, dead
    letters by reason."""
    outcomes = [o.target.value for o in outgoing]
    outcomes += [reason for reason, count in withheld.items() for _ in range(count)]
    count_batch("consent", outcomes, elapsed)
    for item in outgoing:
        if item.target is Target.DLQ:
            reason = dict(item.headers).get(DLQ_REASON, b"")
            count_dead_letter("consent", bytes(reason or b"").decode("utf-8", "replace"))


@streams_app.agent(linked_topic)
async def share(stream: Any) -> AsyncIterator[int]:
    """Decide linked events in batches: shareable ones and purges go to mcr.shared."""
    within = SETTINGS.batch_within_ms / 1000
    async for events in stream.noack_take(SETTINGS.batch_size, within=within):
        started = time.perf_counter()
        batch = [_consumed(e) for e in events]
        async with _DECIDING:
            outcome = await DATABASE.run_retrying(share_batch, batch=batch, now=datetime.now(UTC))
            await _send(outcome.outgoing)
        await _acknowledge(stream, events)
        elapsed = time.perf_counter() - started
        withheld = kept_back(v for v in outcome.verdicts if v is not None)
        _count(outcome.outgoing, withheld, elapsed)
        if outcome.restore:
            _start_restore(sorted(outcome.restore))
        log.info(
            "consent batch decided",
            count=len(batch),
            sent=sum(o.target is Target.SHARED for o in outcome.outgoing),
            failed=sum(o.target is Target.DLQ for o in outcome.outgoing),
            kept_back=withheld,
            duration_ms=round(elapsed * 1000, 1),
        )
        yield len(batch)


@streams_app.agent(changes_topic)
async def follow_identity_changes(stream: Any) -> AsyncIterator[int]:
    """Move preferences with identity changes; purge a person who objects."""
    within = SETTINGS.batch_within_ms / 1000
    async for events in stream.noack_take(SETTINGS.batch_size, within=within):
        batch = [_consumed(e) for e in events]
        async with _DECIDING:
            now = datetime.now(UTC)
            outgoing = await DATABASE.run_retrying(follow_identity, batch=batch, now=now)
            await _send(outgoing)
        await _acknowledge(stream, events)
        if outgoing:
            log.info("consent followed identity changes", count=len(batch), sent=len(outgoing))
        yield len(batch)
