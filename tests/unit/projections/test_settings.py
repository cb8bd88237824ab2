"""Projection settings from the environment."""

from __future__ import annotations

import pytest

from projections.record.settings import RecordSettings


def test_defaults_are_loopback_and_mcr_shared() -> None:
    """With no environment the worker reads mcr.shared (what consent lets through) and writes
    the 'record' alias locally."""
    settings = RecordSettings.from_env({})
    assert (settings.kafka.bootstrap, settings.opensearch_url.get_secret_value(), settings.source_topic,
            settings.alias) == ("127.0.0.1:9092", "http://127.0.0.1:9200", "mcr.shared", "record")  # fmt: skip


def test_environment_switches_topic_alias_and_numbers() -> None:
    """Variables override the source topic, alias and batch sizes."""
    settings = RecordSettings.from_env({"MCR_RECORD_SOURCE_TOPIC": "mcr.shared",
                                        "MCR_RECORD_ALIAS": "record-test",
                                        "MCR_RECORD_FLUSH_MAX_DOCS": "250",
                                        "MCR_RECORD_REPLICAS": "0"})  # fmt: skip
    assert (settings.source_topic, settings.alias, settings.flush_max_docs,
            settings.number_of_replicas) == ("mcr.shared", "record-test", 250, 0)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "raw"), [("MCR_RECORD_FLUSH_MAX_DOCS", "0"), ("MCR_RECORD_SHARDS", "two")]
)
def test_bad_numbers_name_the_variable(name: str, raw: str) -> None:
    """A bad number fails at start, naming the variable, not echoing the value."""
    with pytest.raises(ValueError, match=f"{name}: (expected a whole number|must be at least 1)$"):
        RecordSettings.from_env({name: raw})


def test_repr_masks_credentials() -> None:
    """A password in the OpenSearch URL never shows in repr."""
    settings = RecordSettings.from_env({"MCR_OPENSEARCH_URL": "https://mcr:s3cret@search:9200"})
    assert "s3cret" not in repr(settings)
    assert "https://mcr:***@search:9200" in repr(settings)
