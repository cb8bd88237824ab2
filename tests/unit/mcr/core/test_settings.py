"""The settings base: variables per field, masked secrets, errors that never echo a value."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import Field

from mcr.core.settings import (
    DEFAULT_POSTGRES_DSN,
    KafkaBootstrap,
    McrSettings,
    PostgresDsn,
    SecretUrl,
    SettingsError,
    SqlIdentifier,
    TopicPrefix,
    replace,
    tcp_port,
    whole_number,
)


class Sample(McrSettings):
    """Settings shaped like every package's."""

    postgres_dsn: PostgresDsn = SecretUrl(DEFAULT_POSTGRES_DSN)
    schema_name: Annotated[SqlIdentifier, Field(validation_alias="MCR_SAMPLE_SCHEMA")] = "s"
    batch: Annotated[int, whole_number(minimum=1), Field(validation_alias="MCR_SAMPLE_BATCH")] = 5
    port: Annotated[int, tcp_port(allow_zero=False), Field(validation_alias="MCR_SAMPLE_PORT")] = 1
    topic_prefix: TopicPrefix = ""
    bootstrap: KafkaBootstrap = "127.0.0.1:9092"


def test_variables_are_read_and_unset_ones_keep_defaults() -> None:
    """from_env reads each field's variable, converts numbers, and leaves the rest alone."""
    settings = Sample.from_env({"MCR_SAMPLE_BATCH": "7", "MCR_TOPIC_PREFIX": "t1.", "OTHER": "x"})
    assert (settings.batch, settings.topic_prefix, settings.schema_name) == (7, "t1.", "s")


def test_direct_construction_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only from_env reads the process environment; building settings directly never does."""
    monkeypatch.setenv("MCR_SAMPLE_BATCH", "9")
    assert (Sample().batch, Sample(batch=3).batch, Sample.from_env().batch) == (5, 3, 9)


def test_repr_and_str_mask_the_password() -> None:
    """A password in a DSN is masked in repr and str; the connecting code reads it on purpose."""
    settings = Sample.from_env({"MCR_POSTGRES_DSN": "postgresql://u:s3cret@db:5432/mcr"})
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings)
    assert "postgresql://u:***@db:5432/mcr" in repr(settings)
    assert settings.postgres_dsn.get_secret_value() == "postgresql://u:s3cret@db:5432/mcr"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MCR_SAMPLE_BATCH": "Alexa Testpatient"}, "MCR_SAMPLE_BATCH: expected a whole number"),
        ({"MCR_SAMPLE_BATCH": "0"}, "MCR_SAMPLE_BATCH: must be at least 1"),
        ({"MCR_SAMPLE_PORT": "9434765870"}, "MCR_SAMPLE_PORT: not a TCP port (expected 1-65535)"),
        ({"MCR_SAMPLE_SCHEMA": "s3cret; drop"}, "MCR_SAMPLE_SCHEMA: expected a lower-case SQL"),
        ({"MCR_TOPIC_PREFIX": "s3cret prefix"}, "MCR_TOPIC_PREFIX: expected letters, digits"),
        ({"MCR_KAFKA_BOOTSTRAP": "   "}, "MCR_KAFKA_BOOTSTRAP: must not be empty"),
    ],
)
def test_errors_name_the_variable_and_rule_never_the_value(
    env: dict[str, str], message: str
) -> None:
    """A broken rule raises SettingsError (also a ValueError) whose text holds no input value,
    and whose cause (pydantic's error, which quotes the input) is dropped."""
    with pytest.raises(SettingsError) as caught:
        Sample.from_env(env)
    text = str(caught.value)
    assert text.startswith(message)
    assert all(value.strip() not in text for value in env.values() if value.strip())
    assert isinstance(caught.value, ValueError)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_every_broken_rule_is_named() -> None:
    """Several bad variables are reported together, each by name."""
    with pytest.raises(SettingsError, match=r"MCR_SAMPLE_BATCH: .*; MCR_SAMPLE_PORT: "):
        Sample.from_env({"MCR_SAMPLE_BATCH": "x", "MCR_SAMPLE_PORT": "0"})


def test_replace_validates_like_construction() -> None:
    """replace() gives a changed copy and refuses a value that breaks a rule."""
    settings = Sample()
    assert replace(settings, batch=2).batch == 2 and settings.batch == 5
    with pytest.raises(SettingsError, match="MCR_SAMPLE_BATCH"):
        replace(settings, batch=0)
