"""Publisher settings: environment parsing, checks, and the Kafka client configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcr.core.kafka_client import KafkaClientSettings
from producers.sdk import ConfigError, PublisherConfig


def test_defaults_are_loopback_and_throughput_tuned() -> None:
    """With no environment the config points at the local broker and batches with lz4."""
    config = PublisherConfig.from_env({})
    assert (config.kafka.bootstrap, config.kafka.security_protocol) == (
        "127.0.0.1:9092",
        "SASL_SSL",
    )
    assert (config.linger_ms, config.batch_size_bytes, config.compression) == (20, 1_000_000, "lz4")
    assert config.topic_prefix == ""


def test_environment_overrides() -> None:
    """Every documented variable is read into its field, numbers as ints."""
    config = PublisherConfig.from_env(
        {
            "MCR_KAFKA_BOOTSTRAP": "kafka-1:9092,kafka-2:9092",
            "MCR_PRODUCER_CLIENT_ID": "gp-feed",
            "MCR_PRODUCER_LINGER_MS": "5",
            "MCR_PRODUCER_BATCH_BYTES": "65536",
            "MCR_PRODUCER_COMPRESSION": "zstd",
            "MCR_PRODUCER_DELIVERY_TIMEOUT": "30000",
            "MCR_TOPIC_PREFIX": "staging.",
            "MCR_KAFKA_USERNAME": "org-RC9",
            "MCR_KAFKA_PASSWORD_FILE": "/run/secrets/org-RC9.password",
        }
    )
    assert config == PublisherConfig(
        kafka=KafkaClientSettings(
            bootstrap="kafka-1:9092,kafka-2:9092",
            username="org-RC9",
            password_file=Path("/run/secrets/org-RC9.password"),
        ),
        client_id="gp-feed",
        linger_ms=5,
        batch_size_bytes=65536,
        compression="zstd",
        delivery_timeout_ms=30000,
        topic_prefix="staging.",
    )


def test_librdkafka_config_is_idempotent_with_acks_all(tmp_path: Path) -> None:
    """The client config enables idempotence, acks=all, SASL_SSL with SCRAM-SHA-512 as the
    configured user (password read from its file), and carries the batching settings."""
    secret, ca = tmp_path / "org-RC9.password", tmp_path / "ca.pem"
    secret.write_text("s3cret-from-file\n")
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    kafka = KafkaClientSettings(username="org-RC9", password_file=secret, ca_file=ca)
    assert PublisherConfig(kafka=kafka, client_id="t", linger_ms=7).librdkafka() == {
        "bootstrap.servers": "127.0.0.1:9092",
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "SCRAM-SHA-512",
        "sasl.username": "org-RC9",
        "sasl.password": "s3cret-from-file",
        "ssl.ca.location": str(ca),
        "ssl.endpoint.identification.algorithm": "https",
        "client.id": "t",
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 7,
        "batch.size": 1_000_000,
        "batch.num.messages": 10_000,
        "compression.type": "lz4",
        "queue.buffering.max.messages": 100_000,
        "queue.buffering.max.kbytes": 1_048_576,
        "delivery.timeout.ms": 120_000,
    }


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MCR_PRODUCER_LINGER_MS": "soon"}, "MCR_PRODUCER_LINGER_MS: expected a whole number"),
        (
            {"MCR_PRODUCER_COMPRESSION": "brotli"},
            "MCR_PRODUCER_COMPRESSION: expected one of none, gzip, snappy, lz4, zstd",
        ),
        ({"MCR_PRODUCER_BATCH_BYTES": "0"}, "MCR_PRODUCER_BATCH_BYTES: must be at least 1"),
        ({"MCR_PRODUCER_LINGER_MS": "-1"}, "MCR_PRODUCER_LINGER_MS: must not be negative"),
        ({"MCR_KAFKA_BOOTSTRAP": " "}, "MCR_KAFKA_BOOTSTRAP: must not be empty"),
    ],
)
def test_bad_settings_raise_config_error(environ: dict[str, str], message: str) -> None:
    """A malformed variable stops start-up with ConfigError naming the variable and the rule."""
    with pytest.raises(ConfigError) as caught:
        PublisherConfig.from_env(environ)
    assert str(caught.value) == message
