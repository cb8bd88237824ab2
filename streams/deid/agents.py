"""faust agents of the de-identification stage: thin loops around :mod:`gate`.

- ``deidentify`` consumes ``mcr.linked`` (alongside the consent stage's ``share``, in the same
  application and group) in batches and sends de-identified events and opt-out commands to
  ``mcr.planning``; the batch is acknowledged once Kafka has every send (at-least-once; the
  planning store is idempotent, so repeats are harmless).
- ``follow_identity_for_planning`` consumes ``mcr.identity.changes`` the same way and sends
  ``planning-move`` (and an opt-out when the person records moved to has opted out).

The key is read here, once, when the worker imports this module (after
:func:`streams.app.configure`); a missing or short key stops the worker at start.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcr.core.logging import get_logger
from mcr.core.metrics import count_batch
from streams import app as streams_app
from streams.consent import repository
from streams.database import StageDatabase
from streams.deid.classes import load_classes
from streams.deid.gate import Outgoing, outcome_labels, planning_batch, planning_moves
from streams.deid.pseudonyms import Pseudonymiser, load_key

__all__ = ["DATABASE", "SETTINGS", "deidentify", "follow_identity_for_planning"]

log = get_logger(__name__)
app = streams_app.current()
SETTINGS = streams_app.settings().deid
PSEUDONYMS = Pseudonymiser(
    load_key(SETTINGS.key_file),
    [load_key(p, variable="MCR_PLANNING_PREVIOUS_KEY_FILES") for p in SETTINGS.previous_keys],
)
CLASSES = load_classes(
    Path(SETTINGS.classes_file).read_text("utf-8") if SETTINGS.classes_file else None
)


def _prepare() -> None:
    repository.connect(SETTINGS.postgres_dsn.get_secret_value(), SETTINGS.consent_schema).close()


DATABASE = StageDatabase(
    "deid",
    dsn=SETTINGS.postgres_dsn.get_secret_value(),
    schema=SETTINGS.consent_schema,
    prepare=_prepare,
)

linked_topic = app.topic(SETTINGS.linked_topic, key_type=bytes, value_type=bytes)
changes_topic = app.topic(SETTINGS.changes_topic, key_type=bytes, value_type=bytes)
planning_topic = app.topic(SETTINGS.planning_topic, key_type=bytes, value_type=bytes)


async def _send(outgoing: Sequence[Outgoing]) -> None:
    """Send in order, then wait until Kafka has every message."""
    futures = [
        await planning_topic.send(key=o.key, value=o.value, headers=o.headers) for o in outgoing
    ]
    await asyncio.gather(*futures)


async def _acknowledge(stream: Any, events: Sequence[Any]) -> None:
    for event in events:
        await stream.ack(event)


def _headers(event: Any) -> list[tuple[str, bytes | None]]:
    return list(event.message.headers or [])


@streams_app.agent(linked_topic)
async def deidentify(stream: Any) -> AsyncIterator[int]:
    """De-identify linked events of people who have not opted out, in batches."""
    within = SETTINGS.batch_within_ms / 1000
    async for events in stream.noack_take(SETTINGS.batch_size, within=within):
        started = time.perf_counter()
        batch = [(e.value, _headers(e)) for e in events]
        outcome = await DATABASE.run_retrying(
            planning_batch, batch=batch, now=datetime.now(UTC), pseudonyms=PSEUDONYMS,
            classes=CLASSES,
        )  # fmt: skip
        await _send(outcome.outgoing)
        await _acknowledge(stream, events)
        elapsed = time.perf_counter() - started
        count_batch("deid", outcome_labels(outcome, len(batch)), elapsed)
        log.info("planning batch", count=len(batch), sent=outcome.events,
                 left_out=outcome.left_out, commands=outcome.commands, skipped=outcome.skipped,
                 duration_ms=round(elapsed * 1000, 1))  # fmt: skip
        yield len(batch)


@streams_app.agent(changes_topic)
async def follow_identity_for_planning(stream: Any) -> AsyncIterator[int]:
    """Move contributions with merges and unmerges; opt a person out who has opted out."""
    within = SETTINGS.batch_within_ms / 1000
    async for events in stream.noack_take(SETTINGS.batch_size, within=within):
        started = time.perf_counter()
        batch = [e.value for e in events]
        outcome = await DATABASE.run_retrying(
            planning_moves, batch=batch, now=datetime.now(UTC), pseudonyms=PSEUDONYMS
        )
        await _send(outcome.outgoing)
        await _acknowledge(stream, events)
        moves = min(outcome.commands, len(batch))
        labels = ["move"] * moves + ["no_change"] * (len(batch) - moves)
        count_batch("deid", labels, time.perf_counter() - started)
        if outcome.commands:
            log.info("planning followed identity changes", count=len(batch),
                     commands=outcome.commands)  # fmt: skip
        yield len(batch)
