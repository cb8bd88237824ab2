"""Names shared by every stage: record types, topics, keys and dead-letter headers."""

from __future__ import annotations

import re
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
    CONDITION = "condition"
    ALLERGY = "allergy"
    IMMUNISATION = "immunisation"
    PROCEDURE = "procedure"
    DOCUMENT = "document"


# Source topics: one per organisation, ``mcr.source.<ODS code>``, carrying every record type
# (the ``mcr.record_type`` header names it). Only that organisation's principal may write its
# topic, and identity accepts an event only when its header org is the topic's org. The query
# service's viewer-recorded objections go to ASSERTED_SOURCE_TOPIC, which only the service may
# write: it asserts the org from the signed-in user's token (docs/security.md).
SOURCE_TOPIC_PREFIX = "mcr.source."
ASSERTED_SOURCE_TOPIC = "mcr.source._asserted"
_ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")


def is_ods_code(code: str) -> bool:
    """True for an organisation code as topics and principals use it (A-Z, 0-9, 3-10 long)."""
    return bool(_ODS_CODE.fullmatch(code))


def organisation_topic(org: str, *, prefix: str = "") -> str:
    """The source topic of organisation ``org`` (after a topic ``prefix``).

    Raises ValueError for anything but an ODS code (the message does not repeat it)."""
    if not is_ods_code(org):
        raise ValueError("org: expected an ODS code (A-Z, 0-9, 3-10 characters)")
    return f"{prefix}{SOURCE_TOPIC_PREFIX}{org}"


def source_topic_pattern(prefix: str = "") -> str:
    """A regular expression matching every source topic after ``prefix`` (the organisations'
    and the asserted one): what identity subscribes to and ops tools read."""
    return f"^{re.escape(prefix + SOURCE_TOPIC_PREFIX)}([A-Z0-9]{{3,10}}|_asserted)$"


def topic_organisation(topic: str, *, prefix: str = "") -> str | None:
    """The organisation whose source topic ``topic`` is; None for the asserted topic or any
    other topic."""
    head = prefix + SOURCE_TOPIC_PREFIX
    if not topic.startswith(head):
        return None
    org = topic[len(head) :]
    return org if is_ods_code(org) else None


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
