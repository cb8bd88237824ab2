"""Configuration of the record projection, read once from ``MCR_*`` environment variables.

Every value has a loopback default. The OpenSearch URL may carry credentials; ``repr`` masks
them, and the settings object is never logged whole.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from mcr.core.secrets import mask_url
from schemas.events import DLQ_TOPIC, IDENTITY_CHANGES_TOPIC, SHARED_TOPIC

__all__ = ["RecordSettings"]

_INT_FIELDS = {
    "MCR_RECORD_FLUSH_MAX_DOCS": "flush_max_docs",
    "MCR_RECORD_FLUSH_INTERVAL_MS": "flush_interval_ms",
    "MCR_RECORD_COMMIT_INTERVAL_MS": "commit_interval_ms",
    "MCR_RECORD_SHARDS": "number_of_shards",
    "MCR_RECORD_REPLICAS": "number_of_replicas",
    "MCR_RECORD_BACKOFF_INITIAL_MS": "backoff_initial_ms",
    "MCR_RECORD_BACKOFF_MAX_MS": "backoff_max_ms",
}
_MAY_BE_ZERO = frozenset({"MCR_RECORD_REPLICAS"})
_STR_FIELDS = {
    "MCR_KAFKA_BOOTSTRAP": "kafka_bootstrap",
    "MCR_OPENSEARCH_URL": "opensearch_url",
    "MCR_RECORD_SOURCE_TOPIC": "source_topic",
    "MCR_RECORD_IDENTITY_TOPIC": "identity_topic",
    "MCR_RECORD_DLQ_TOPIC": "dlq_topic",
    "MCR_RECORD_RECEIPT_TOPIC": "receipt_topic",
    "MCR_RECORD_GROUP": "group_id",
    "MCR_RECORD_ALIAS": "alias",
    "MCR_RECORD_REFRESH_INTERVAL": "refresh_interval",
}


@dataclass(frozen=True)
class RecordSettings:
    """Where the projection reads, where it writes, and how it batches and retries.

    ``alias`` is also the prefix of the versioned indices (``<alias>-v1-<timestamp>``), so a
    test can use a fresh alias. ``receipt_topic`` empty means purge receipts are only logged.
    """

    kafka_bootstrap: str = "127.0.0.1:9092"
    opensearch_url: str = field(default="http://127.0.0.1:9200", repr=False)
    source_topic: str = SHARED_TOPIC
    identity_topic: str = IDENTITY_CHANGES_TOPIC
    dlq_topic: str = DLQ_TOPIC
    receipt_topic: str = ""
    group_id: str = "mcr-projection-record"
    alias: str = "record"
    flush_max_docs: int = 500
    flush_interval_ms: int = 100
    commit_interval_ms: int = 1000
    refresh_interval: str = "500ms"
    number_of_shards: int = 1
    number_of_replicas: int = 0
    backoff_initial_ms: int = 100
    backoff_max_ms: int = 10_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RecordSettings:
        """Build settings from ``env`` (default: the process environment).

        Raises ValueError naming the variable when a number is not a positive integer
        (replicas may be 0).
        """
        source = os.environ if env is None else env
        values: dict[str, object] = {}
        for name, attribute in _STR_FIELDS.items():
            if name in source:
                values[attribute] = source[name]
        for name, attribute in _INT_FIELDS.items():
            if name in source:
                values[attribute] = _int(name, source[name], allow_zero=name in _MAY_BE_ZERO)
        return cls(**values)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return f"RecordSettings(opensearch_url={mask_url(self.opensearch_url)!r}, {shown})"


def _int(name: str, raw: str, *, allow_zero: bool) -> int:
    if not raw.isdigit() or (int(raw) == 0 and not allow_zero):
        kind = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"{name}: not {kind} integer")
    return int(raw)
