"""Consent stage settings: loopback defaults, topics after the prefix, clear errors."""

from __future__ import annotations

import pytest

from streams.consent.settings import ConsentSettings


def test_defaults_and_topics_follow_the_prefix() -> None:
    """With a prefix every topic moves; the schema defaults to 'consent'."""
    settings = ConsentSettings.from_env({"MCR_TOPIC_PREFIX": "t1."})
    assert (settings.schema_name, settings.batch_size, settings.batch_within_ms) == (
        "consent",
        500,
        50,
    )
    assert (settings.linked_topic, settings.changes_topic, settings.shared_topic) == (
        "t1.mcr.linked",
        "t1.mcr.identity.changes",
        "t1.mcr.shared",
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MCR_CONSENT_BATCH": "many"}, "MCR_CONSENT_BATCH: expected a whole number"),
        ({"MCR_CONSENT_BATCH": "0"}, "MCR_CONSENT_BATCH: must be at least 1"),
        ({"MCR_CONSENT_SCHEMA": "Consent;drop"}, "MCR_CONSENT_SCHEMA"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    """A wrong value fails at start, naming the variable, never echoing a secret."""
    with pytest.raises(ValueError, match=message):
        ConsentSettings.from_env(env)


def test_repr_masks_the_database_password() -> None:
    """The DSN's password never shows in a repr (and so in no log)."""
    settings = ConsentSettings.from_env({"MCR_CONSENT_DSN": "postgresql://mcr:s3cret@db/mcr"})
    assert "s3cret" not in repr(settings) and "***" in repr(settings)
