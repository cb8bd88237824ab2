"""The wire contract: Avro schemas (every version), the codec, and shared names."""

from schemas.events import (
    ASSERTED_SOURCE_TOPIC,
    DLQ_TOPIC,
    IDENTITY_CHANGES_TOPIC,
    LINKED_TOPIC,
    PLANNING_TOPIC,
    SHARED_TOPIC,
    SOURCE_TOPIC_PREFIX,
    PersonId,
    RecordType,
    SourceEvent,
    SourceKey,
    organisation_topic,
    source_key,
    source_topic_pattern,
    topic_organisation,
)

__all__ = [
    "ASSERTED_SOURCE_TOPIC",
    "DLQ_TOPIC",
    "IDENTITY_CHANGES_TOPIC",
    "LINKED_TOPIC",
    "PLANNING_TOPIC",
    "SHARED_TOPIC",
    "SOURCE_TOPIC_PREFIX",
    "PersonId",
    "RecordType",
    "SourceEvent",
    "SourceKey",
    "organisation_topic",
    "source_key",
    "source_topic_pattern",
    "topic_organisation",
]
