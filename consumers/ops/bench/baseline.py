"""The baseline: what this machine's Kafka and OpenSearch manage with no pipeline at all.

One plain confluent-kafka consumer reads the run's source topics from the beginning (the same
events the pipeline had), decodes each to a minimal JSON document (no identity, no versions,
no routing) and bulk-indexes it into a fresh index with the record's shard, replica and
refresh settings. Measured like the pipeline: events over the time from the first read until
every event is indexed and one refresh has made them searchable. The events were already in
Kafka, so producing is not part of this time; the ratio to the pipeline is therefore an upper
bound of what the pipeline could reach.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition
from opensearchpy import OpenSearch

from consumers.ops.bench.errors import BenchError, CatchUpTimeoutError
from consumers.ops.bench.report import BaselineResult
from consumers.ops.bench.space import BenchSpace
from schemas.codec import decode

__all__ = ["BULK_DOCS", "baseline_document", "run_baseline"]

BULK_DOCS = 500
_MAPPING = {
    "dynamic": "strict",
    "properties": {
        name: {"type": "keyword"}
        for name in ("event_id", "record_type", "org", "local_patient_id", "source_record_id")
    }
    | {"record_version": {"type": "long"}, "occurred_at": {"type": "date"}},
}


def baseline_document(value: bytes) -> dict[str, Any]:
    """The minimal document of one source event: ids, type, version and time. Pure."""
    event = decode(value)
    header = event.payload["header"]
    occurred = header.get("occurred_at")
    return {
        "event_id": header["event_id"],
        "record_type": event.record_type.value,
        "org": header["org"],
        "local_patient_id": header["local_patient_id"],
        "source_record_id": header["source_record_id"],
        "record_version": header["record_version"],
        "occurred_at": occurred.isoformat() if occurred is not None else None,
    }


def run_baseline(
    space: BenchSpace, client: OpenSearch, *, events: int, refresh_interval: str, timeout_s: float
) -> BaselineResult:
    """Index the run's ``events`` source events the plain way and time it."""
    client.indices.create(
        index=space.baseline_index,
        body={
            "settings": {
                "number_of_shards": 1,
                "number_of_replicas": 0,
                "refresh_interval": refresh_interval,
            },
            "mappings": _MAPPING,
        },
    )
    consumer = Consumer(
        space.targets.kafka.config(
            **{"group.id": f"{space.identity_group}-baseline", "enable.auto.commit": False}
        )
    )
    consumer.assign(
        [
            TopicPartition(topic, partition, OFFSET_BEGINNING)
            for topic in space.source_topics
            for partition in range(space.partitions)
        ]
    )
    try:
        started = time.monotonic()
        indexed = _drain(consumer, client, space.baseline_index, events, started + timeout_s)
        client.indices.refresh(index=space.baseline_index)
        seconds = time.monotonic() - started
    finally:
        consumer.close()
    count = int(client.count(index=space.baseline_index)["count"])
    return BaselineResult(events=indexed, seconds=seconds, indexed=count)


def _drain(consumer: Consumer, client: OpenSearch, index: str, events: int,
           deadline: float) -> int:  # fmt: skip
    indexed = 0
    while indexed < events:
        if time.monotonic() > deadline:
            raise CatchUpTimeoutError(f"baseline: {indexed} of {events} events indexed in time")
        batch = [m for m in consumer.consume(num_messages=BULK_DOCS, timeout=0.1) if _ok(m)]
        if batch:
            _bulk(client, index, batch)
            indexed += len(batch)
    return indexed


def _ok(message: Message) -> bool:
    return message.error() is None and message.value() is not None


def _bulk(client: OpenSearch, index: str, batch: Sequence[Message]) -> None:
    lines: list[str] = []
    for message in batch:
        document = baseline_document(message.value() or b"")
        lines.append(json.dumps({"index": {"_index": index, "_id": document["event_id"]}}))
        lines.append(json.dumps(document))
    answer = client.bulk(body="\n".join(lines) + "\n")
    if answer.get("errors"):
        failed = sum(1 for item in answer["items"] if item["index"].get("error"))
        raise BenchError(f"baseline: OpenSearch rejected {failed} documents")
