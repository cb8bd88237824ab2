"""Identity benchmark: events/s for new and for known identities, through the real MPI.

Events come from the synthetic region (seed 2026, people in index order, each person's events
in the order the simulator publishes them), so a pass mixes patient events with the results,
medications, encounters and consents that follow them, as a real feed does.

- ``resolver``: :func:`batch.handle_batch` in batches of ``batch_size`` on a throwaway MPI
  schema. The first pass meets every identity for the first time (``new``); the second pass
  dispatches the same events again, so every record is known (``known``).
- ``live`` (when ``live`` is true): the same two passes end to end through a real
  ``mcr streams worker`` process in a sandbox (fresh topics, schema, consumer group): the
  events are published first, then the worker drains the backlog from the source topics to
  ``mcr.linked``; the rate is linked events over the span of their Kafka timestamps, so
  worker start-up is not counted. The worker is restarted between passes.

``mcr bench identity`` prints the returned dict as JSON.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from mcr.core.kafka_client import KafkaClientSettings
from schemas.events import organisation_topic
from streams.identity.batch import SourceMessage, handle_batch
from streams.identity.connections import throwaway_schema
from streams.identity.handler import Destination
from streams.identity.weights import load

__all__ = ["run_identity_bench"]

SEED = 2026


def run_identity_bench(
    *,
    events: int,
    kafka: KafkaClientSettings,
    postgres_dsn: str,
    batch_size: int = 500,
    live: bool = True,
) -> dict[str, Any]:
    """Measure identity throughput on ``events`` synthetic events; returns a JSON-able dict."""
    from producers.simulator import first_events  # noqa: PLC0415 (bench only)
    from schemas.codec import encode  # noqa: PLC0415 (bench only)

    region, _next_person = first_events(events, seed=SEED)
    values = [(encode(event), organisation_topic(event.payload["header"]["org"]))
              for event in region]  # fmt: skip
    result: dict[str, Any] = {
        "events": len(values),
        "mix": dict(sorted(Counter(e.record_type.value for e in region).items())),
        "batch_size": batch_size,
        "resolver": _resolver_passes(values, postgres_dsn, batch_size),
    }
    if live:
        from consumers.ops.bench.identity_live import live_passes  # noqa: PLC0415 (Kafka stays lazy)

        result["live"] = live_passes(region, kafka=kafka, dsn=postgres_dsn)
    return result


def _batches(values: Sequence[tuple[bytes, str]], size: int) -> Iterator[list[SourceMessage]]:
    """Each event as read from its organisation's topic (identity checks the binding)."""
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield [SourceMessage(v, topic, 0, start + i) for i, (v, topic) in enumerate(chunk)]


def _resolver_passes(
    values: Sequence[tuple[bytes, str]], dsn: str, batch_size: int
) -> dict[str, Any]:
    weights = load()
    passes: dict[str, Any] = {}
    with throwaway_schema(dsn, prefix="mcr_bench") as conn:
        for name in ("new", "known"):
            routes: Counter[str] = Counter()
            started = time.perf_counter()
            for batch in _batches(values, batch_size):
                routes.update(
                    r.destination.value for r in handle_batch(conn, batch, weights=weights)
                )
            seconds = time.perf_counter() - started
            passes[name] = _rate(len(values), seconds) | {"routes": dict(routes)}
        row = conn.execute("SELECT count(*), count(DISTINCT person_id) FROM source_records")
        records, persons = row.fetchone() or (0, 0)
    passes["records"], passes["persons"] = int(records), int(persons)
    passes["held_first_pass"] = passes["new"]["routes"].get(Destination.HELD.value, 0)
    return passes


def _rate(count: int, seconds: float) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 3),
        "events_per_s": round(count / seconds, 1) if seconds > 0 else None,
    }
