"""faust agents of the identity stage: thin loops around :func:`handler.handle` and the MPI
outbox. No matching rules here.

- ``identify`` consumes every ``mcr.source.*`` topic, resolves identity in a worker thread
  (psycopg is synchronous) and forwards the original bytes to ``mcr.linked`` keyed by person,
  holds them (review / awaiting demographics), or dead-letters undecodable events.
- ``publish_outbox`` (leader only, every second) publishes queued identity changes to
  ``mcr.identity.changes`` and forwards held events that a link or review decision released.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any, TypeVar

from psycopg_pool import ConnectionPool

from mcr.logging import get_logger
from schemas.codec import encode_record
from schemas.events import DLQ_TOPIC, IDENTITY_CHANGES_TOPIC, LINKED_TOPIC, SOURCE_TOPICS
from streams.app import app
from streams.identity import outbox
from streams.identity.connections import connect
from streams.identity.handler import Route, Routing, dlq_headers, handle, linked_headers
from streams.identity.scoring import MatchWeights
from streams.identity.settings import IdentitySettings
from streams.identity.weights import load

__all__ = ["configure", "identify", "publish_outbox"]

log = get_logger(__name__)
T = TypeVar("T")

source_topic = app.topic(*SOURCE_TOPICS, key_type=bytes, value_type=bytes)
linked_topic = app.topic(LINKED_TOPIC, key_type=bytes, value_type=bytes)
changes_topic = app.topic(IDENTITY_CHANGES_TOPIC, key_type=bytes, value_type=bytes)
dlq_topic = app.topic(DLQ_TOPIC, key_type=bytes, value_type=bytes)


class _Mpi:
    """The connection pool and weights, made on first use (so importing needs no database)."""

    pool: ConnectionPool[Any] | None = None
    weights: MatchWeights | None = None


def configure(settings: IdentitySettings | None = None) -> None:
    """(Re)create the pool and load the weights; migrates the MPI schema once."""
    settings = settings or IdentitySettings.from_env()
    if _Mpi.pool is not None:
        _Mpi.pool.close()
    connect(settings.postgres_dsn, settings.schema).close()  # creates and migrates
    _Mpi.pool = ConnectionPool(
        settings.postgres_dsn,
        min_size=1,
        max_size=4,
        open=True,
        kwargs={"autocommit": True, "options": f"-c search_path={settings.schema}"},
    )
    _Mpi.weights = load(settings.weights_version)


async def _in_thread(work: Callable[..., T], /, **kwargs: Any) -> T:
    if _Mpi.pool is None:
        configure()
    assert _Mpi.pool is not None

    def run() -> T:
        assert _Mpi.pool is not None
        with _Mpi.pool.connection() as conn:
            return work(conn, **kwargs)

    return await asyncio.get_running_loop().run_in_executor(None, run)


def _handle(conn: Any, **kwargs: Any) -> Routing:
    assert _Mpi.weights is not None, "configure() loads the weights"
    return handle(conn, weights=_Mpi.weights, **kwargs)


async def send_linked(person_id: str, value: bytes, headers: list[tuple[str, bytes]]) -> None:
    """Forward an event to mcr.linked, keyed by person."""
    await linked_topic.send(key=person_id.encode(), value=value, headers=headers)


async def send_dlq(key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]) -> None:
    """Dead-letter an event with its reason headers."""
    await dlq_topic.send(key=key, value=value, headers=headers)


async def send_change(change: dict[str, Any]) -> None:
    """Publish one identity change, keyed by the person it concerns."""
    value = encode_record("identity_change", change)
    await changes_topic.send(key=change["person_id"].encode(), value=value)


@app.agent(source_topic)
async def identify(stream: Any) -> AsyncIterator[str]:
    """Resolve each source event's person and route it (linked, held or dead letter)."""
    async for event in stream.events():
        message = event.message
        place = {"topic": message.topic, "partition": message.partition, "offset": message.offset}
        routing = await _in_thread(_handle, value=event.value, **place)
        if routing.route is Route.LINKED and routing.person_id and routing.headers:
            await send_linked(routing.person_id, event.value, routing.headers)
        elif routing.route is Route.DLQ:
            await send_dlq(message.key, event.value, dlq_headers(routing.reason or "", **place))
        log.info(
            "identity routed",
            decision=routing.route.value,
            rule=routing.rule,
            person_id=routing.person_id,
            **place,
        )
        yield routing.route.value


async def drain_outbox() -> int:
    """Publish queued identity changes and forward released events; returns how many."""
    changes = await _in_thread(partial(outbox.unpublished_changes))
    for change in changes:
        await send_change(change)
    if changes:
        await _in_thread(outbox.mark_published, change_ids=[c["change_id"] for c in changes])
    released = await _in_thread(partial(outbox.to_forward))
    for item in released:
        await send_linked(
            item.person_id, item.event.value, linked_headers(item.event, item.person_id)
        )
    if released:
        await _in_thread(outbox.mark_forwarded, held_ids=[r.held_id for r in released])
    return len(changes) + len(released)


@app.timer(interval=1.0, on_leader=True)  # type: ignore[untyped-decorator]  # faust is untyped
async def publish_outbox() -> None:
    """Leader-only: drain the MPI outbox every second."""
    count = await drain_outbox()
    if count:
        log.info("identity outbox drained", count=count)
