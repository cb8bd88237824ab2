"""Producer settings, read once from the environment with loopback defaults.

The Kafka client is always idempotent with ``acks=all``: a retried batch cannot duplicate or
reorder one patient's events. Batching (linger, batch size) and compression are tuned for
throughput; source systems that need lower latency lower ``MCR_PRODUCER_LINGER_MS``.

=============================  =========================  ===================
variable                       field                      default
=============================  =========================  ===================
MCR_KAFKA_BOOTSTRAP            bootstrap_servers          127.0.0.1:9092
MCR_PRODUCER_CLIENT_ID         client_id                  mcr-producer
MCR_PRODUCER_LINGER_MS         linger_ms                  20
MCR_PRODUCER_BATCH_BYTES       batch_size_bytes           1000000
MCR_PRODUCER_COMPRESSION       compression                lz4
MCR_PRODUCER_DELIVERY_TIMEOUT  delivery_timeout_ms        120000
MCR_TOPIC_PREFIX               topic_prefix               (empty)
=============================  =========================  ===================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from producers.sdk.errors import ConfigError

COMPRESSIONS = ("none", "gzip", "snappy", "lz4", "zstd")
_ENV_FIELDS = {
    "MCR_KAFKA_BOOTSTRAP": "bootstrap_servers",
    "MCR_PRODUCER_CLIENT_ID": "client_id",
    "MCR_PRODUCER_LINGER_MS": "linger_ms",
    "MCR_PRODUCER_BATCH_BYTES": "batch_size_bytes",
    "MCR_PRODUCER_COMPRESSION": "compression",
    "MCR_PRODUCER_DELIVERY_TIMEOUT": "delivery_timeout_ms",
    "MCR_TOPIC_PREFIX": "topic_prefix",
}


@dataclass(frozen=True)
class PublisherConfig:
    """How a :class:`~producers.sdk.publisher.Publisher` talks to Kafka."""

    bootstrap_servers: str = "127.0.0.1:9092"
    client_id: str = "mcr-producer"
    linger_ms: int = 20
    batch_size_bytes: int = 1_000_000
    batch_num_messages: int = 10_000
    compression: str = "lz4"
    queue_max_messages: int = 100_000
    queue_max_kbytes: int = 1_048_576
    delivery_timeout_ms: int = 120_000
    topic_prefix: str = ""
    """Prepended to every source topic name (``"test."`` gives ``test.mcr.source.patient``)."""
    queue_full_wait_s: float = 30.0
    """How long publish() waits (serving delivery reports) while the local queue is full."""

    def __post_init__(self) -> None:
        if not self.bootstrap_servers.strip():
            raise ConfigError("bootstrap_servers: must not be empty")
        if self.compression not in COMPRESSIONS:
            raise ConfigError(f"compression: expected one of {', '.join(COMPRESSIONS)}")
        for name in (
            "batch_size_bytes",
            "batch_num_messages",
            "queue_max_messages",
            "queue_max_kbytes",
            "delivery_timeout_ms",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}: must be at least 1")
        if self.linger_ms < 0 or self.queue_full_wait_s < 0:
            raise ConfigError("linger_ms and queue_full_wait_s: must not be negative")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PublisherConfig:
        """Settings from ``MCR_*`` variables (see the module table); unset ones keep defaults."""
        source = os.environ if environ is None else environ
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for variable, name in _ENV_FIELDS.items():
            if variable in source:
                values[name] = _parse(variable, source[variable], types[name])
        return cls(**values)

    def librdkafka(self) -> dict[str, str | int | bool]:
        """The confluent-kafka (librdkafka) producer configuration."""
        return {
            "bootstrap.servers": self.bootstrap_servers,
            "client.id": self.client_id,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": self.linger_ms,
            "batch.size": self.batch_size_bytes,
            "batch.num.messages": self.batch_num_messages,
            "compression.type": self.compression,
            "queue.buffering.max.messages": self.queue_max_messages,
            "queue.buffering.max.kbytes": self.queue_max_kbytes,
            "delivery.timeout.ms": self.delivery_timeout_ms,
        }


def _parse(variable: str, raw: str, kind: Any) -> Any:
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{variable}: expected a whole number") from None
    return raw.strip()
