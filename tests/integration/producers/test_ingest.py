"""File ingestion with a real Kafka client when things go wrong on the way to the broker."""

from __future__ import annotations

import json
from pathlib import Path

from mcr.core.kafka_client import KafkaClientSettings
from producers.model import Rejection
from producers.sdk import PublisherConfig
from producers.sdk.ingest import ingest
from producers.sdk.publisher import Publisher
from producers.sdk.sources import read_fhir_file
from tests.unit.producers.sdk.stub_adapters import fhir_stub


def test_unreachable_broker_turns_into_located_failures(tmp_path: Path) -> None:
    """A full queue and a timed-out delivery are both listed per event; the run exits 1."""
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"entry": [{}, {}]}), encoding="utf-8")
    config = PublisherConfig(
        kafka=KafkaClientSettings(bootstrap="127.0.0.1:1", security_protocol="PLAINTEXT"),
        queue_max_messages=1,
        queue_full_wait_s=0.1,
        delivery_timeout_ms=1000,
    )
    with Publisher(config, topic="nowhere") as publisher:
        summary = ingest(
            [path],
            root=tmp_path,
            read=lambda p: read_fhir_file(p, adapter=fhir_stub, org="RXX01", source_system="t"),
            publisher=publisher,
            flush_timeout_s=10,
        )
    assert summary.failed == [
        Rejection("a.json: event 1 (result)", "QueueFullError: local queue full for 0.1 s"),
        Rejection("a.json: event 0 (result)", "delivery failed: _MSG_TIMED_OUT"),
    ]
    assert (summary.sent.total(), summary.rejected, summary.exit_code) == (0, [], 1)
