"""faust agents of the identity stage: thin loops around :func:`batch.handle_batch` and the MPI
outbox. No matching rules here.

- ``identify`` consumes every source topic (each organisation's ``mcr.source.<ODS>`` and the
  query service's ``mcr.source._asserted``; ``watch_source_topics`` adds organisations'
  topics made since the start) in batches (up to ``batch_size`` events,
  waiting at most ``batch_within_ms``), resolves a batch in a worker thread (psycopg is
  synchronous), then forwards the original bytes to ``mcr.linked`` keyed by person or
  dead-letters them, in consumption order. Only when every send of the batch is delivered
  are its events acknowledged (``noack_take``), so a crash or shutdown mid-batch means the
  batch is read again: at-least-once, never lost. A lost or busy database retries the batch.
  An event whose header org is not its topic's organisation is dead-lettered
  (``ForgedOrganisation``, :mod:`streams.identity.provenance`) and counted in the batch log.
- ``publish_outbox`` (leader only, every second) publishes queued identity changes to
  ``mcr.identity.changes`` and forwards held events that a link or review decision released;
  rows are marked only after Kafka confirmed delivery.

Topic names, batch size and the MPI come from the :class:`IdentitySettings` the worker's entry
point passed to :func:`streams.app.configure`, which must run before this module is imported.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from confluent_kafka.admin import AdminClient

from mcr.core import org_registry
from mcr.core.kafka_acls import STREAMS
from mcr.core.logging import get_logger
from mcr.core.metrics import REVIEW_QUEUE, count_batch, count_dead_letter
from schemas.codec import encode_record
from schemas.dead_letters import DeadLetter, dead_letter_headers
from streams import app as streams_app
from streams.database import RETRYABLE, StageDatabase
from streams.identity import outbox
from streams.identity.batch import SourceMessage, handle_batch
from streams.identity.connections import connect
from streams.identity.handler import STAGE, Destination, Dispatch, linked_headers
from streams.identity.provenance import FORGED_ORGANISATION
from streams.identity.reviews import pending_reviews
from streams.identity.scoring import MatchWeights
from streams.identity.settings import IdentitySettings
from streams.identity.source_topics import list_source_topics, new_topics
from streams.identity.weights import load

__all__ = [
    "DATABASE",
    "SETTINGS",
    "close",
    "configure",
    "drain_outbox",
    "identify",
    "publish_outbox",
    "watch_source_topics",
]

log = get_logger(__name__)
# The application and settings the worker's entry point configured (streams.app.configure).
app = streams_app.current()
SETTINGS = streams_app.settings().identity
KAFKA = streams_app.settings().streams.kafka.resolve(STREAMS)


@functools.cache
def _topic_admin() -> AdminClient:
    """The one admin client that lists source topics, at the start and for the watch (a new
    client every few seconds would log in, over TLS, each time, and be torn down while a broker
    restart leaves requests outstanding)."""
    return AdminClient(KAFKA.config())


def _listed_source_topics() -> list[str] | None:
    """The source topics on the cluster now; None (logged) when the broker cannot be asked:
    the worker must start and the watch looks again."""
    try:
        return list_source_topics(KAFKA, SETTINGS.source_topic_pattern, admin=_topic_admin())
    except Exception as exc:  # a broker hiccup
        log.warning("source topics not listed", error=type(exc).__name__)
        return None


def _source_topics_now() -> list[str]:
    """The asserted topic and every organisation's topic that exists now (only the asserted
    one when the broker cannot be asked: the watch adds the rest)."""
    return sorted({SETTINGS.asserted_topic, *(_listed_source_topics() or [])})


source_topic = app.topic(*_source_topics_now(), key_type=bytes, value_type=bytes)
linked_topic = app.topic(SETTINGS.linked_topic, key_type=bytes, value_type=bytes)
changes_topic = app.topic(SETTINGS.changes_topic, key_type=bytes, value_type=bytes)
dlq_topic = app.topic(SETTINGS.dlq_topic, key_type=bytes, value_type=bytes)


class _Weights:
    """The scoring weights, loaded on first use (so importing needs no weights file read)."""

    loaded: MatchWeights | None = None


def _prepare(settings: IdentitySettings) -> Callable[[], None]:
    def prepare() -> None:  # creates and migrates the MPI; the registry is the operators'
        dsn = settings.postgres_dsn.get_secret_value()
        connect(dsn, settings.schema_name).close()
        org_registry.check_readable(dsn, settings.registry_schema)

    return prepare


DATABASE = StageDatabase(
    "identity",
    dsn=SETTINGS.postgres_dsn.get_secret_value(),
    schema=SETTINGS.schema_name,
    prepare=_prepare(SETTINGS),
)


def configure(settings: IdentitySettings | None = None) -> None:
    """(Re)open the MPI pool on ``settings`` (migrating the schema once) and load the weights."""
    settings = settings or SETTINGS
    DATABASE.reconfigure(
        dsn=settings.postgres_dsn.get_secret_value(),
        schema=settings.schema_name,
        prepare=_prepare(settings),
    )
    DATABASE.open()
    _Weights.loaded = load(settings.weights_version)


def close() -> None:
    """Close the MPI pool (waiting a few seconds for connections still in use); the next
    database call would make a new one. Called by the worker once faust has stopped."""
    DATABASE.close()


def _handle_batch(conn: Any, *, batch: Sequence[SourceMessage]) -> list[Dispatch]:
    if _Weights.loaded is None:
        _Weights.loaded = load(SETTINGS.weights_version)
    return handle_batch(conn, batch, weights=_Weights.loaded, topic_prefix=SETTINGS.topic_prefix,
                        registry_schema=SETTINGS.registry_schema)  # fmt: skip


async def send_linked(
    person_id: str, value: bytes, headers: list[tuple[str, bytes]]
) -> Awaitable[Any]:
    """Forward an event to mcr.linked, keyed by person; returns its delivery future."""
    return await linked_topic.send(key=person_id.encode(), value=value, headers=headers)


async def send_dlq(
    key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]
) -> Awaitable[Any]:
    """Dead-letter an event with its reason headers; returns its delivery future."""
    return await dlq_topic.send(key=key, value=value, headers=headers)


async def send_change(change: dict[str, Any]) -> Awaitable[Any]:
    """Publish one identity change, keyed by the person it concerns; returns its delivery
    future."""
    value = encode_record("identity_change", change)
    return await changes_topic.send(key=change["person_id"].encode(), value=value)


async def _send_dispatched(events: Sequence[Any], dispatches: Sequence[Dispatch]) -> None:
    """Send each dispatched event in order, then wait until Kafka has every one."""
    pending: list[Awaitable[Any]] = []
    for event, dispatch in zip(events, dispatches, strict=True):
        message = event.message
        if dispatch.destination is Destination.LINKED and dispatch.person_id and dispatch.headers:
            pending.append(await send_linked(dispatch.person_id, event.value, dispatch.headers))
        elif dispatch.destination is Destination.DLQ:
            letter = DeadLetter(
                value=event.value,
                key=message.key,
                headers=[],  # the dead letter carries the DLQ headers only, as it always has
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                reason=dispatch.reason or "",
            )
            headers = dead_letter_headers(letter, stage=STAGE)
            pending.append(await send_dlq(message.key, event.value, headers))
    await asyncio.gather(*pending)


def _consumed(event: Any) -> SourceMessage:
    message = event.message
    return SourceMessage(event.value, message.topic, message.partition, message.offset)


def _log_batch(dispatches: Sequence[Dispatch], started: float) -> None:
    destinations = [d.destination for d in dispatches]
    elapsed = time.perf_counter() - started
    count_batch("identity", (d.value for d in destinations), elapsed)
    for dispatch in dispatches:
        if dispatch.destination is Destination.DLQ:
            count_dead_letter("identity", dispatch.reason or "")
    forged = sum(1 for d in dispatches if (d.reason or "").startswith(FORGED_ORGANISATION))
    log.info(
        "identity batch routed",
        count=len(destinations),
        sent=destinations.count(Destination.LINKED),
        failed=destinations.count(Destination.DLQ),
        forged=forged,
        duration_ms=round(elapsed * 1000, 1),
    )
    if forged:
        log.warning("identity refused events of a forged organisation", forged=forged)


@streams_app.agent(source_topic)
async def identify(stream: Any) -> AsyncIterator[str]:
    """Resolve source events in batches and dispatch them (linked, held or dead letter)."""
    within = SETTINGS.batch_within_ms / 1000
    async for events in stream.noack_take(SETTINGS.batch_size, within=within):
        started = time.perf_counter()
        batch = [_consumed(e) for e in events]
        dispatches = await DATABASE.run_retrying(_handle_batch, batch=batch)
        await _send_dispatched(events, dispatches)
        for event in events:
            await stream.ack(event)
        _log_batch(dispatches, started)
        for dispatch in dispatches:
            yield dispatch.destination.value


async def drain_outbox() -> int:
    """Publish queued identity changes and forward released events; returns how many."""
    changes = await DATABASE.run(outbox.unpublished_changes)
    await asyncio.gather(*[await send_change(change) for change in changes])
    if changes:
        await DATABASE.run(outbox.mark_published, change_ids=[c["change_id"] for c in changes])
    released = await DATABASE.run(outbox.to_forward)
    pending = [
        await send_linked(
            item.person_id, item.event.value, linked_headers(item.event, item.person_id)
        )
        for item in released
    ]
    await asyncio.gather(*pending)
    if released:
        await DATABASE.run(outbox.mark_forwarded, held_ids=[r.held_id for r in released])
    return len(changes) + len(released)


@app.timer(interval=SETTINGS.topic_refresh_s)  # type: ignore[untyped-decorator]  # faust is untyped
async def watch_source_topics() -> None:
    """Every worker: subscribe to organisations' source topics made since the last look."""
    found = await asyncio.to_thread(_listed_source_topics)
    if found is None:
        return  # look again next tick
    added = new_topics(source_topic.topics, found)
    if added:
        topics = [*source_topic.topics, *added]
        source_topic.topics = topics  # what the next look compares with
        # faust reads a topic through clones of it (one per stream, registered with the
        # conductor when iterated), never the declared object: change what the clones read,
        # and re-registering them makes the conductor resubscribe with the new names.
        for channel in _source_channels():
            channel.topics = topics
            app.topics.discard(channel)
            app.topics.add(channel)
        log.info("identity subscribed to new source topics", count=len(added))


def _source_channels() -> list[Any]:
    """The channels the conductor delivers source events to: every one reads the asserted
    topic, which no other agent reads."""
    return [channel for channel in app.topics if SETTINGS.asserted_topic in channel.topics]


# Events released from hold (their patient linked) wait for this timer: it is part of the
# 1 s produce-to-searchable budget, and an indexed poll of an empty outbox is cheap.
OUTBOX_INTERVAL_S = 0.2
# A burst of new records can queue thousands of events behind released ones: each tick drains
# page after page (500 rows each) until the outbox is empty, up to this many pages.
OUTBOX_PAGES_PER_TICK = 20


@app.timer(interval=OUTBOX_INTERVAL_S, on_leader=True)  # type: ignore[untyped-decorator]  # faust is untyped
async def publish_outbox() -> None:
    """Leader-only: drain the MPI outbox (identity changes, released events) five times a second."""
    total = 0
    for _page in range(OUTBOX_PAGES_PER_TICK):
        count = await DATABASE.retrying(drain_outbox)
        total += count
        if count == 0:
            break
    if total:
        log.info("identity outbox drained", count=total)


REVIEW_QUEUE_INTERVAL_S = 15.0


@app.timer(interval=REVIEW_QUEUE_INTERVAL_S, on_leader=True)  # type: ignore[untyped-decorator]  # faust is untyped
async def report_review_queue() -> None:
    """Leader-only: the identity review queue's depth, for the metrics. A gauge may miss a
    tick: a database that is away (restarting) is logged, never crashes the worker."""
    try:
        REVIEW_QUEUE.set(await DATABASE.run(pending_reviews))
    except RETRYABLE as exc:
        log.warning("review queue depth not read", error_type=type(exc).__name__)
