"""Identity settings from the environment."""

from __future__ import annotations

import pytest

from streams.identity.settings import DEFAULT_DSN, IdentitySettings


def test_defaults_are_loopback() -> None:
    """Without variables, the local stack's loopback addresses are used."""
    settings = IdentitySettings.from_env({})
    assert (settings.postgres_dsn, settings.schema, settings.kafka_bootstrap) == (
        DEFAULT_DSN,
        "mpi",
        "127.0.0.1:9092",
    )


def test_repr_masks_the_password() -> None:
    """A DSN password never appears in repr."""
    settings = IdentitySettings.from_env({"MCR_POSTGRES_DSN": "postgresql://u:s3cret@db/mcr"})
    assert "s3cret" not in repr(settings) and "u:***@" in repr(settings)


def test_bad_schema_name_is_refused() -> None:
    """The schema must be a plain SQL identifier."""
    with pytest.raises(ValueError, match="MCR_IDENTITY_SCHEMA"):
        IdentitySettings.from_env({"MCR_IDENTITY_SCHEMA": "mpi; drop"})
