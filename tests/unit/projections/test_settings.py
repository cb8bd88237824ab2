"""Projection settings from the environment."""

from __future__ import annotations

import pytest

from projections.record.runner import consumer_config, settle_interval_s
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


def test_operators_tools_use_the_operators_user_when_set() -> None:
    """``for_operators`` swaps in MCR_OPERATOR_OPENSEARCH_URL, and keeps the projection's URL
    when no operators' user is configured."""
    env = {"MCR_OPENSEARCH_URL": "https://proj:a@search:9200",
           "MCR_OPERATOR_OPENSEARCH_URL": "https://ops:b@search:9200"}  # fmt: skip
    operators = RecordSettings.from_env(env).for_operators()
    assert operators.opensearch_url.get_secret_value() == "https://ops:b@search:9200"
    alone = RecordSettings.from_env({"MCR_OPENSEARCH_URL": "https://proj:a@search:9200"})
    assert alone.for_operators().opensearch_url.get_secret_value() == "https://proj:a@search:9200"


@pytest.mark.parametrize(
    ("waiting", "expected"), [(0, 1.0), (1999, 1.0), (2000, 2.5), (10**6, 2.5)]
)
def test_settles_less_often_while_a_full_batch_waits(waiting: int, expected: float) -> None:
    """Caught up: a settle (refresh, summaries, commit) every second; with a backlog of a full
    batch or more, every 2.5 s (still inside the bench's 5 s progress window)."""
    assert settle_interval_s(RecordSettings.from_env({}), waiting) == expected


def test_backlog_interval_is_never_shorter_than_the_commit_interval() -> None:
    """A commit interval set above the backlog one is kept while behind too."""
    settings = RecordSettings.from_env({"MCR_RECORD_COMMIT_INTERVAL_MS": "4000"})
    assert settle_interval_s(settings, 10**6) == 4.0


def test_the_session_timeout_reaches_the_consumer_and_is_bounded() -> None:
    """librdkafka's 45 s by default; lowered for a quick takeover; the broker's range only."""
    plain = {"MCR_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}
    assert consumer_config(RecordSettings.from_env(plain))["session.timeout.ms"] == 45_000
    quick = RecordSettings.from_env({**plain, "MCR_RECORD_SESSION_TIMEOUT_MS": "10000"})
    assert consumer_config(quick)["session.timeout.ms"] == 10_000
    with pytest.raises(ValueError, match="MCR_RECORD_SESSION_TIMEOUT_MS"):
        RecordSettings.from_env({"MCR_RECORD_SESSION_TIMEOUT_MS": "1000"})
