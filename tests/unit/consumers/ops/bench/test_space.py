"""A run's private names and the environment its workers get."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from consumers.ops.bench.space import (
    STREAMS_LAYOUT,
    BenchSpace,
    Targets,
    new_space,
    with_application_name,
)
from mcr.core.kafka_client import KafkaClientSettings
from producers.sdk import PublisherConfig

ADMIN = KafkaClientSettings(
    ca_file=Path("/run/ca.pem"),
    username="mcr-admin",
    password_file=Path("/run/a.password"),
    secrets_dir=Path("/run"),
)
TARGETS = Targets(ADMIN, "http://127.0.0.1:9200", "postgresql://mcr_identity@h:5433/mcr",
                  "postgresql://mcr_consent@h:5433/mcr", "postgresql://mcr_operator@h:5433/mcr")  # fmt: skip
SPACE = BenchSpace(tag="abc123", targets=TARGETS, organisations=("E81001", "RC9"))


def test_every_name_carries_the_run_tag() -> None:
    """Topics, schema, groups, alias and baseline index are all private to the run."""
    assert SPACE.topics == (
        "bench.abc123.mcr.source.E81001",
        "bench.abc123.mcr.source.RC9",
        "bench.abc123.mcr.source._asserted",
        "bench.abc123.mcr.linked",
        "bench.abc123.mcr.identity.changes",
        "bench.abc123.mcr.shared",
        "bench.abc123.mcr.planning",
        "bench.abc123.mcr.dlq",
    )
    names = (SPACE.schema, SPACE.identity_group, SPACE.record_group, SPACE.alias,
             SPACE.baseline_index)  # fmt: skip
    assert names == ("mcr_bench_abc123", "mcr-bench-abc123-identity", "mcr-bench-abc123-record",
                     "bench-abc123-record", "bench-abc123-baseline")  # fmt: skip


def test_identity_env_points_the_worker_at_the_run() -> None:
    """The streams worker (identity and consent) gets the run's prefix, schema and app id,
    over the base env, and runs as its own principal (no user passed, the secrets folder is)."""
    env = SPACE.identity_env(
        {"PATH": "/bin", "MCR_TOPIC_PREFIX": "demo.", "MCR_KAFKA_USERNAME": "mcr-admin"}
    )
    assert "MCR_KAFKA_USERNAME" not in env and "MCR_KAFKA_PASSWORD_FILE" not in env
    assert (env["MCR_KAFKA_SECRETS_DIR"], env["MCR_KAFKA_CA_FILE"]) == ("/run", "/run/ca.pem")

    assert env["PATH"] == "/bin"
    assert env["MCR_TOPIC_PREFIX"] == "bench.abc123."
    assert env["MCR_IDENTITY_SCHEMA"] == "mcr_bench_abc123"
    assert env["MCR_CONSENT_SCHEMA"] == "mcr_bench_abc123_consent"
    assert env["MCR_STREAMS_APP_ID"] == "mcr-bench-abc123-identity"
    assert env["MCR_IDENTITY_DSN"] == (
        "postgresql://mcr_identity@h:5433/mcr?application_name=mcr-bench-abc123"
    )
    assert env["MCR_CONSENT_DSN"] == (
        "postgresql://mcr_consent@h:5433/mcr?application_name=mcr-bench-abc123"
    )
    assert env["BROKER_COMMIT_INTERVAL"] == "1.0"


def test_record_env_points_the_projection_at_the_run() -> None:
    """The projection reads the run's shared and change topics and writes the run's alias."""
    env = SPACE.record_env({"MCR_RECORD_ALIAS": "record"})

    assert env["MCR_RECORD_SOURCE_TOPIC"] == "bench.abc123.mcr.shared"
    assert env["MCR_RECORD_IDENTITY_TOPIC"] == "bench.abc123.mcr.identity.changes"
    assert env["MCR_RECORD_DLQ_TOPIC"] == "bench.abc123.mcr.dlq"
    assert env["MCR_RECORD_GROUP"] == "mcr-bench-abc123-record"
    assert env["MCR_RECORD_ALIAS"] == "bench-abc123-record"
    assert env["MCR_RECORD_COMMIT_INTERVAL_MS"] == "1000"


def test_publisher_config_keeps_tuning_but_sends_to_the_run() -> None:
    """The producer keeps the environment's batching and sends to the run's topics."""
    config = SPACE.publisher_config(PublisherConfig(linger_ms=7, topic_prefix="demo."))

    assert (config.linger_ms, config.topic_prefix) == (7, "bench.abc123.")
    assert config.kafka.bootstrap == "127.0.0.1:9092"
    assert config.kafka.username is None  # each organisation as itself (PublisherFleet)


def test_new_spaces_get_different_tags() -> None:
    """Two runs never share names."""
    assert new_space(TARGETS).tag != new_space(TARGETS).tag


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("postgresql://u@h:5433/db", "postgresql://u@h:5433/db?application_name=x"),
        ("postgresql://u@h/db?sslmode=disable&application_name=old",
         "postgresql://u@h/db?sslmode=disable&application_name=x"),
        ("host=h dbname=db", "host=h dbname=db application_name=x"),
    ],
)  # fmt: skip
def test_with_application_name_sets_it_once(dsn: str, expected: str) -> None:
    """URL and key=value DSNs get the application name, replacing any earlier one."""
    assert with_application_name(dsn, "x") == expected


def test_consent_progress_is_read_from_the_group_that_runs_consent() -> None:
    """The run starts identity and linked (consent with de-identification) processes: the
    sampler reads identity from the application id's group and consent from ``-linked``;
    every streams group a run may make is removed at the end. One process (the ops tests'
    worker) runs consent in the application id's group."""
    split = replace(SPACE, streams_layout=STREAMS_LAYOUT)
    assert STREAMS_LAYOUT == ("identity", "linked")
    assert split.consent_group == f"{SPACE.identity_group}-linked"
    assert SPACE.streams_layout == ("all",) and SPACE.consent_group == SPACE.identity_group
    assert {SPACE.identity_group, split.consent_group} <= set(SPACE.streams_groups)
    assert all(group.startswith(SPACE.identity_group) for group in SPACE.streams_groups)
