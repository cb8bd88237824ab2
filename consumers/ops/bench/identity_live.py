"""The live half of the identity benchmark: a real ``mcr streams worker`` draining a backlog.

Each pass publishes the events to a sandbox's source topics (not timed), starts a worker,
and waits until every event is either on ``mcr.linked`` or held in the MPI. The rate is the
linked events of the pass over the span of their Kafka timestamps (first to last), so the
worker's start-up and consumer-group join are not counted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from consumers.ops.bench.events import organisations_of
from mcr.core.kafka_client import KafkaClientSettings
from producers.sdk import Publisher, PublisherConfig
from schemas.events import SourceEvent
from streams.identity.connections import connect
from streams.identity.offline.sandbox import Sandbox, TopicReader, running_worker, sandbox

__all__ = ["live_passes"]

MIN_WAIT_S = 120.0


def live_passes(
    events: Sequence[SourceEvent], *, kafka: KafkaClientSettings, dsn: str, partitions: int = 3
) -> dict[str, Any]:
    """A ``new`` pass, then the same events again as a ``known`` pass (``kafka``: an admin's
    settings, which make the sandbox; the worker runs as ``mcr-streams``)."""
    passes: dict[str, Any] = {"partitions": partitions}
    orgs = organisations_of(events)
    with sandbox(kafka=kafka, postgres_dsn=dsn, partitions=partitions, organisations=orgs) as box:
        reader = TopicReader(kafka, box.settings.linked_topic)
        try:
            for number, name in enumerate(("new", "known"), start=1):
                _publish(events, box)
                since = len(reader.messages)
                with running_worker(box) as worker:
                    passes[name] = _drain(reader, box, number * len(events), since, worker)
        finally:
            reader.close()
    return passes


def _publish(events: Sequence[SourceEvent], box: Sandbox) -> None:
    config = PublisherConfig(kafka=box.kafka, topic_prefix=box.settings.topic_prefix)
    with Publisher(config, validate=False) as publisher:
        publisher.publish_all(events)


def _held(box: Sandbox) -> int:
    with connect(
        box.settings.postgres_dsn.get_secret_value(), box.settings.schema_name, create=False
    ) as conn:
        row = conn.execute("SELECT count(*) FROM held_events WHERE forwarded_at IS NULL")
        return int((row.fetchone() or (0,))[0])


def _drain(
    reader: TopicReader, box: Sandbox, expected: int, since: int, worker: Any
) -> dict[str, Any]:
    """Wait until linked + held reaches ``expected``; the pass's rate from its timestamps."""
    deadline = time.monotonic() + max(MIN_WAIT_S, expected / 100)
    held = 0
    while time.monotonic() < deadline and worker.poll() is None:
        reader.poll(1.0)
        held = _held(box)
        if len(reader.messages) + held >= expected:
            break
    stamps = [m.timestamp_ms for m in reader.messages[since:]]
    linked = len(stamps)
    span_s = (max(stamps) - min(stamps)) / 1000 if linked > 1 else 0.0
    return {
        "linked": linked,
        "held": held,
        "complete": len(reader.messages) + held >= expected,
        "seconds": round(span_s, 3),
        "events_per_s": round(linked / span_s, 1) if span_s > 0 else None,
    }
