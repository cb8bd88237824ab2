"""Configuration of the record projection, read once from ``MCR_*`` environment variables.

Every value has a loopback default. The OpenSearch URL may carry credentials; ``repr`` masks
them, and the settings object is never logged whole.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from mcr.core.kafka_client import KafkaClient
from mcr.core.settings import (
    DEFAULT_OPENSEARCH_URL,
    McrSettings,
    OpenSearchCaFile,
    OpenSearchUrl,
    OperatorOpenSearchUrl,
    RecordDsn,
    SecretUrl,
    SqlIdentifier,
    local_dsn,
    replace,
    whole_number,
)
from schemas.events import DLQ_TOPIC, IDENTITY_CHANGES_TOPIC, SHARED_TOPIC

__all__ = ["RecordSettings"]

_Positive = whole_number(minimum=1)


def _variable(name: str) -> Any:
    return Field(validation_alias=f"MCR_RECORD_{name}")


class RecordSettings(McrSettings):
    """Where the projection reads, where it writes, and how it batches and retries.

    ``alias`` is also the prefix of the versioned indices (``<alias>-v1-<timestamp>``), so a
    test can use a fresh alias. Every purge receipt is stored in the one receipts store
    (``MCR_RECEIPTS_SCHEMA``, ``mcr.core.receipts``) through ``MCR_RECORD_DSN`` (role
    ``mcr_record``, which may write receipts and nothing else); ``receipt_topic``, when set,
    also gets it.
    """

    kafka: KafkaClient
    """``MCR_KAFKA_*``: the projection runs as ``mcr-projection``, ``mcr record verify`` as
    ``mcr-ops``, unless ``MCR_KAFKA_USERNAME`` names another principal."""
    opensearch_url: OpenSearchUrl = SecretUrl(DEFAULT_OPENSEARCH_URL)
    opensearch_ca_file: OpenSearchCaFile = ""
    operator_opensearch_url: OperatorOpenSearchUrl = SecretUrl("")
    """The operators' user: ``mcr record verify`` and ``mcr rebuild`` use it when set."""
    source_topic: Annotated[str, _variable("SOURCE_TOPIC")] = SHARED_TOPIC
    identity_topic: Annotated[str, _variable("IDENTITY_TOPIC")] = IDENTITY_CHANGES_TOPIC
    dlq_topic: Annotated[str, _variable("DLQ_TOPIC")] = DLQ_TOPIC
    receipt_topic: Annotated[str, _variable("RECEIPT_TOPIC")] = ""
    postgres_dsn: RecordDsn = SecretUrl(local_dsn("mcr_record"))
    receipts_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_RECEIPTS_SCHEMA")] = (
        "governance"
    )
    group_id: Annotated[str, _variable("GROUP")] = "mcr-projection-record"
    alias: Annotated[str, _variable("ALIAS")] = "record"
    flush_max_docs: Annotated[int, _Positive, _variable("FLUSH_MAX_DOCS")] = 2000
    flush_interval_ms: Annotated[int, _Positive, _variable("FLUSH_INTERVAL_MS")] = 100
    commit_interval_ms: Annotated[int, _Positive, _variable("COMMIT_INTERVAL_MS")] = 1000
    backlog_commit_interval_ms: Annotated[
        int, _Positive, _variable("BACKLOG_COMMIT_INTERVAL_MS")
    ] = 2500
    """The settle interval while a full batch or more waits (below the bench's 5 s window)."""
    visible_interval_ms: Annotated[int, _Positive, _variable("VISIBLE_INTERVAL_MS")] = 500
    """While caught up, the worker refreshes this long after the last refresh when something
    was written since: a change is searchable within about this plus the flush interval."""
    refresh_interval: Annotated[str, _variable("REFRESH_INTERVAL")] = "30s"
    """The index's own refresh, a backstop only: the worker refreshes (see the runner)."""
    number_of_shards: Annotated[int, _Positive, _variable("SHARDS")] = 1
    number_of_replicas: Annotated[int, whole_number(minimum=0), _variable("REPLICAS")] = 0
    session_timeout_ms: Annotated[
        int, Field(validation_alias="MCR_RECORD_SESSION_TIMEOUT_MS", ge=6000, le=300_000)
    ] = 45_000
    """How long the group waits for a member that stopped answering before its partitions go
    to another (librdkafka's default; the broker's allowed range is 6-300 s). Lower it where
    a killed worker must be replaced quickly; never below a few heartbeats (3 s each)."""
    backoff_initial_ms: Annotated[int, _Positive, _variable("BACKOFF_INITIAL_MS")] = 100
    backoff_max_ms: Annotated[int, _Positive, _variable("BACKOFF_MAX_MS")] = 10_000

    def for_operators(self) -> RecordSettings:
        """These settings as the operators' tools use them: on the operators' OpenSearch
        user when one is set (docs/security-stores.md), else unchanged."""
        if not self.operator_opensearch_url.get_secret_value():
            return self
        return replace(self, opensearch_url=self.operator_opensearch_url)
