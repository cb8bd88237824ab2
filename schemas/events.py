"""Names shared by every stage: record types, topics, keys and dead-letter headers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NewType

SourceKey = NewType("SourceKey", str)
"""Kafka key of source topics: ``<org>:<local patient id>``."""
PersonId = NewType("PersonId", str)
"""Kafka key after identity matching."""


class RecordType(StrEnum):
    """The kinds of source event; each has a schema folder and a source topic."""

    PATIENT = "patient"
    RESULT = "result"
    MEDICATION = "medication"
    ENCOUNTER = "encounter"
    CONSENT = "consent"

    @property
    def source_topic(self) -> str:
        return f"mcr.source.{self.value}"


SOURCE_TOPICS: tuple[str, ...] = tuple(rt.source_topic for rt in RecordType)
LINKED_TOPIC = "mcr.linked"
IDENTITY_CHANGES_TOPIC = "mcr.identity.changes"
SHARED_TOPIC = "mcr.shared"
PLANNING_TOPIC = "mcr.planning"
DLQ_TOPIC = "mcr.dlq"

# Dead-letter headers: why, where and from which stage an event could not be processed.
DLQ_REASON = "mcr.dlq.reason"
DLQ_STAGE = "mcr.dlq.stage"
DLQ_TOPIC_HEADER = "mcr.dlq.topic"
DLQ_PARTITION = "mcr.dlq.partition"
DLQ_OFFSET = "mcr.dlq.offset"
# Headers on mcr.linked / mcr.shared: the value is the source event's Avro bytes unchanged.
PERSON_ID_HEADER = "mcr.person_id"
SOURCE_TOPIC_HEADER = "mcr.source.topic"
SOURCE_PARTITION_HEADER = "mcr.source.partition"
SOURCE_OFFSET_HEADER = "mcr.source.offset"
# Producer-side header naming the record type, so a reader need not decode to route.
RECORD_TYPE_HEADER = "mcr.record_type"


def source_key(org: str, local_patient_id: str) -> SourceKey:
    """The partitioning key of a source event: one patient's changes at one org stay in order."""
    return SourceKey(f"{org}:{local_patient_id}")


@dataclass(frozen=True)
class SourceEvent:
    """One source event before encoding: its record type and a payload matching the newest
    schema of that type (``schemas/avro/<type>/v<N>.avsc``). Timestamps are timezone-aware
    ``datetime`` in UTC, dates are ``date``; field names are the schema's."""

    record_type: RecordType
    payload: dict[str, Any]

    @property
    def key(self) -> SourceKey:
        header = self.payload["header"]
        return source_key(header["org"], header["local_patient_id"])
