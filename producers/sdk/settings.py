"""Producer settings, read once from the environment with loopback defaults.

The Kafka client is always idempotent with ``acks=all``: a retried batch cannot duplicate or
reorder one patient's events. Batching (linger, batch size) and compression are tuned for
throughput; source systems that need lower latency lower ``MCR_PRODUCER_LINGER_MS``.

=============================  =========================  ===================
variable                       field                      default
=============================  =========================  ===================
MCR_KAFKA_*                    kafka                      (mcr.core.kafka_client)
MCR_PRODUCER_CLIENT_ID         client_id                  mcr-producer
MCR_PRODUCER_LINGER_MS         linger_ms                  20
MCR_PRODUCER_BATCH_BYTES       batch_size_bytes           1000000
MCR_PRODUCER_COMPRESSION       compression                lz4
MCR_PRODUCER_DELIVERY_TIMEOUT  delivery_timeout_ms        120000
MCR_TOPIC_PREFIX               topic_prefix               (empty)
=============================  =========================  ===================
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from mcr.core.kafka_client import KafkaClient
from mcr.core.settings import (
    McrSettings,
    SettingsError,
    TopicPrefix,
    rule,
    whole_number,
)
from producers.sdk.errors import ConfigError

COMPRESSIONS = ("none", "gzip", "snappy", "lz4", "zstd")
_COMPRESSION_RULE = f"expected one of {', '.join(COMPRESSIONS)}"
_AtLeastOne = whole_number(minimum=1)


class PublisherConfig(McrSettings):
    """How a :class:`~producers.sdk.publisher.Publisher` talks to Kafka.

    A malformed value raises ``ConfigError`` (a ``SettingsError``) naming the variable.
    """

    settings_error: ClassVar[type[SettingsError]] = ConfigError

    kafka: KafkaClient
    """Brokers and credentials (``MCR_KAFKA_*``): the organisation's own principal."""
    client_id: Annotated[str, Field(validation_alias="MCR_PRODUCER_CLIENT_ID")] = "mcr-producer"
    linger_ms: Annotated[
        int, whole_number(minimum=0), Field(validation_alias="MCR_PRODUCER_LINGER_MS")
    ] = 20
    batch_size_bytes: Annotated[
        int, _AtLeastOne, Field(validation_alias="MCR_PRODUCER_BATCH_BYTES")
    ] = 1_000_000
    batch_num_messages: Annotated[int, _AtLeastOne] = 10_000
    compression: Annotated[
        str,
        rule(lambda v: v.strip() in COMPRESSIONS and v.strip(), _COMPRESSION_RULE),
        Field(validation_alias="MCR_PRODUCER_COMPRESSION"),
    ] = "lz4"
    queue_max_messages: Annotated[int, _AtLeastOne] = 100_000
    queue_max_kbytes: Annotated[int, _AtLeastOne] = 1_048_576
    delivery_timeout_ms: Annotated[
        int, _AtLeastOne, Field(validation_alias="MCR_PRODUCER_DELIVERY_TIMEOUT")
    ] = 120_000
    topic_prefix: TopicPrefix = ""
    """Prepended to every source topic name (``"test."`` gives ``test.mcr.source.RC9``)."""
    queue_full_wait_s: Annotated[float, Field(ge=0)] = 30.0
    """How long publish() waits (serving delivery reports) while the local queue is full."""

    def librdkafka(self) -> dict[str, Any]:
        """The confluent-kafka (librdkafka) producer configuration (reads the password file).

        Raises KafkaCredentialError when the credentials are missing."""
        return self.kafka.config(**{
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
        })  # fmt: skip
