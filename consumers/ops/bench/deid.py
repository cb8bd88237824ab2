"""De-identification benchmark: events/s and CPU per event of the planning stage's batch work
(:func:`streams.deid.gate.planning_batch`: decode, consent state from PostgreSQL, keyed
pseudonyms, categories, Avro encode) on synthetic linked events, against a throwaway consent
schema; the consent stage's :func:`share_batch` on the same events for comparison (the two run
side by side in the streams worker, each reading every linked event).

CPU is this process's (``time.process_time``: decode, HMAC, encode, psycopg's client side);
the PostgreSQL backend's share is in the wall time. ``mcr bench deid`` prints the dict as JSON.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from mcr.core.postgres import quoted_schema
from schemas.events import PERSON_ID_HEADER
from streams.consent import repository
from streams.consent.gate import InboundMessage, share_batch
from streams.deid.classes import load_classes
from streams.deid.gate import planning_batch
from streams.deid.pseudonyms import PlanningKey, Pseudonymiser

__all__ = ["run_deid_bench"]

SEED = 2026
Linked = tuple[bytes, list[tuple[str, bytes]]]


@contextmanager
def _schema(dsn: str) -> Any:
    schema = f"mcr_bench_deid_{uuid.uuid4().hex[:10]}"
    conn = repository.connect(dsn, schema)
    try:
        yield conn
    finally:
        conn.close()
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {quoted_schema(schema)} CASCADE")


def _timed(
    batches: Sequence[Sequence[Any]], work: Callable[[Sequence[Any]], int]
) -> dict[str, Any]:
    sent = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        sent += work(batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    count = sum(len(b) for b in batches)
    return {"seconds": round(wall, 3), "events_per_s": round(count / wall, 1),
            "cpu_us_per_event": round(cpu / count * 1e6, 1), "sent": sent}  # fmt: skip


def run_deid_bench(*, events: int, postgres_dsn: str, batch_size: int = 500) -> dict[str, Any]:
    """Measure the de-identification stage (and consent beside it) on ``events`` events."""
    from producers.simulator import first_events  # noqa: PLC0415 (bench only)
    from schemas.codec import encode  # noqa: PLC0415

    region, _ = first_events(events, seed=SEED)
    linked: list[Linked] = [
        (encode(e), [(PERSON_ID_HEADER, f"bench-{e.key}".encode())]) for e in region
    ]
    batches = [linked[i : i + batch_size] for i in range(0, len(linked), batch_size)]
    pseudonyms, classes = Pseudonymiser(PlanningKey(b"bench-key-" * 4)), load_classes()
    result: dict[str, Any] = {"events": len(linked), "batch_size": batch_size}
    with _schema(postgres_dsn) as conn:
        result["deid"] = _timed(batches, lambda b: len(planning_batch(
            conn, b, now=_now(), pseudonyms=pseudonyms, classes=classes).outgoing))  # fmt: skip
    with _schema(postgres_dsn) as conn:
        inbound = [[InboundMessage(None, v, h, "bench", 0, i) for i, (v, h) in enumerate(b)]
                   for b in batches]  # fmt: skip
        result["consent"] = _timed(
            inbound, lambda b: len(share_batch(conn, b, now=_now()).outgoing)
        )
    return result


def _now() -> Any:
    from datetime import UTC, datetime  # noqa: PLC0415

    return datetime.now(UTC)
