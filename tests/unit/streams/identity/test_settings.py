"""Identity settings from the environment."""

from __future__ import annotations

import re

import pytest

from streams.identity.settings import DEFAULT_DSN, IdentitySettings


def test_defaults_are_loopback() -> None:
    """Without variables, the local stack's loopback addresses are used."""
    settings = IdentitySettings.from_env({})
    assert (settings.postgres_dsn.get_secret_value(), settings.schema_name) == (DEFAULT_DSN, "mpi")


def test_repr_masks_the_password() -> None:
    """A DSN password never appears in repr."""
    settings = IdentitySettings.from_env({"MCR_POSTGRES_DSN": "postgresql://u:s3cret@db/mcr"})
    assert "s3cret" not in repr(settings) and "u:***@" in repr(settings)


def test_bad_schema_name_is_refused() -> None:
    """The schema must be a plain SQL identifier."""
    with pytest.raises(ValueError, match="MCR_IDENTITY_SCHEMA"):
        IdentitySettings.from_env({"MCR_IDENTITY_SCHEMA": "mpi; drop"})


def test_topic_prefix_names_every_topic_of_the_stage() -> None:
    """MCR_TOPIC_PREFIX goes before the source, linked, changes and DLQ topic names."""
    settings = IdentitySettings.from_env({"MCR_TOPIC_PREFIX": "t1."})
    assert re.fullmatch(settings.source_topic_pattern, "t1.mcr.source.RC9")
    assert re.fullmatch(settings.source_topic_pattern, "t1.mcr.source._asserted")
    assert not re.fullmatch(settings.source_topic_pattern, "mcr.source.RC9")
    assert not re.fullmatch(settings.source_topic_pattern, "t1.mcr.source.patient")
    assert (settings.linked_topic, settings.changes_topic, settings.dlq_topic) == (
        "t1.mcr.linked",
        "t1.mcr.identity.changes",
        "t1.mcr.dlq",
    )


def test_without_a_prefix_the_topics_are_the_contract_names() -> None:
    """The defaults are the wire contract's topic names, unchanged."""
    settings = IdentitySettings.from_env({})
    assert (settings.linked_topic, settings.dlq_topic, settings.batch_size) == (
        "mcr.linked",
        "mcr.dlq",
        500,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MCR_TOPIC_PREFIX": "t 1"}, "MCR_TOPIC_PREFIX"),
        ({"MCR_IDENTITY_BATCH": "0"}, "MCR_IDENTITY_BATCH"),
        ({"MCR_IDENTITY_BATCH": "many"}, "MCR_IDENTITY_BATCH: expected a whole number"),
        ({"MCR_IDENTITY_BATCH_WITHIN_MS": "-5"}, "MCR_IDENTITY_BATCH_WITHIN_MS"),
    ],
)
def test_bad_stream_settings_are_refused(env: dict[str, str], message: str) -> None:
    """A malformed prefix or batch setting fails at start, naming the variable."""
    with pytest.raises(ValueError, match=message):
        IdentitySettings.from_env(env)
