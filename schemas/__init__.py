"""The wire contract: Avro schemas (every version), the codec, and shared names."""

from schemas.events import (
    DLQ_TOPIC,
    IDENTITY_CHANGES_TOPIC,
    LINKED_TOPIC,
    PLANNING_TOPIC,
    SHARED_TOPIC,
    SOURCE_TOPICS,
    PersonId,
    RecordType,
    SourceEvent,
    SourceKey,
    source_key,
)

__all__ = [
    "DLQ_TOPIC",
    "IDENTITY_CHANGES_TOPIC",
    "LINKED_TOPIC",
    "PLANNING_TOPIC",
    "SHARED_TOPIC",
    "SOURCE_TOPICS",
    "PersonId",
    "RecordType",
    "SourceEvent",
    "SourceKey",
    "source_key",
]
