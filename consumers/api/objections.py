"""Objections recorded by whoever delivers the patient's care, from the viewer.

People object by speaking to the professional in front of them. A user in a care role records
the objection (or its withdrawal) for a person; it is published as an ordinary consent event
**from the user's own organisation**, about the organisation's own record of that person, so
it travels the same path as a consent event from a source system: identity links it by the
known source record, the consent stage purges and keeps back, within seconds.

One consent item per organisation and patient (``source_record_id = mcr-viewer-objection``),
versioned by the time in milliseconds: a later withdrawal at the same organisation replaces
the objection. An objection recorded by another organisation, or by a source system, is a
different item and is not lifted by it (the consent stage's rule: doubt keeps data back).

:func:`consent_event` is pure; :class:`ObjectionPublisher` is the thin Kafka edge.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from producers.sdk import Publisher, PublisherConfig
from schemas.events import ASSERTED_SOURCE_TOPIC, RecordType, SourceEvent

__all__ = [
    "SOURCE_RECORD_ID",
    "SOURCE_SYSTEM",
    "ConsentDecision",
    "ObjectionPublisher",
    "consent_event",
    "local_patient_id",
]

SOURCE_SYSTEM = "mcr-viewer"
SOURCE_RECORD_ID = "mcr-viewer-objection"


class ConsentDecision(StrEnum):
    """What the user records: an objection (DENY) or its withdrawal (PERMIT)."""

    DENY = "DENY"
    PERMIT = "PERMIT"


def local_patient_id(
    org: str, documents: Iterable[Mapping[str, Any]], source_keys: Iterable[str] = ()
) -> str | None:
    """The organisation's own patient id for the person: from the person's patient documents
    (``source_key`` is ``<org>:<local id>``), else from the source keys identity gives the
    person (after an objection purged the documents, the withdrawal still finds the record);
    None when the organisation holds no record of them."""
    keys = [str(doc.get("source_key", "")) for doc in documents
            if doc.get("doc_kind") == "patient" and doc.get("org") == org]  # fmt: skip
    for candidates in (keys, list(source_keys)):
        ids = sorted(key.split(":", 1)[1] for key in candidates if key.startswith(f"{org}:"))
        if ids:
            return ids[0]
    return None


def consent_event(
    *, org: str, local_id: str, decision: ConsentDecision, now: datetime
) -> SourceEvent:
    """The consent event recording ``decision`` for the organisation's record ``local_id``."""
    at = now if now.tzinfo else now.replace(tzinfo=UTC)
    header: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "org": org,
        "source_system": SOURCE_SYSTEM,
        "local_patient_id": local_id,
        "nhs_number": None,
        "nhs_number_status": "ABSENT",
        "source_record_id": SOURCE_RECORD_ID,
        "record_version": int(at.timestamp() * 1000),
        "occurred_at": at,
        "recorded_at": at,
        "operation": "UPSERT",
        "confidentiality": [],
    }
    body: dict[str, Any] = {"scope": "SHARED_CARE_RECORD", "decision": decision.value,
            "withheld_record_ids": [], "effective_to": None}  # fmt: skip
    return SourceEvent(RecordType.CONSENT, {"header": header, **body})


class ObjectionPublisher:
    """Publishes recorded decisions and waits for Kafka to acknowledge each one."""

    def __init__(self, config: PublisherConfig) -> None:
        """Every decision goes to the asserted source topic (after ``config.topic_prefix``),
        which only the query service may write: the org in it comes from the signed-in user's
        token, so identity accepts it for any organisation (docs/security.md)."""
        topic = config.topic_prefix + ASSERTED_SOURCE_TOPIC
        self._publisher = Publisher(config, topic=topic)

    def publish(self, event: SourceEvent) -> bool:
        """Send ``event``; True once Kafka has acknowledged it (validated first: a bad event
        raises the SDK's ValidationError)."""
        failed_before = self._publisher.stats.failed
        self._publisher.publish(event)
        stats = self._publisher.flush(timeout=10)
        return stats.failed == failed_before and stats.delivered + stats.failed == stats.sent

    def close(self) -> None:
        self._publisher.close(timeout=10)
