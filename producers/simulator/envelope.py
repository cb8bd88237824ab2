"""Turning one version of one clinical item into a :class:`SourceEvent` with its header.

An :class:`Item` is what the history modules produce: the record type, the item's stable id and
version, when it happened and was recorded, and the type-specific body. :func:`to_event` adds the
envelope the schema requires from the organisation's record (org, system, local id, NHS number).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from producers.simulator.ids import event_id
from producers.simulator.records import OrgRecord
from schemas.events import RecordType, SourceEvent


@dataclass(frozen=True)
class Item:
    """One version of a clinical item of one organisation record."""

    record_type: RecordType
    source_record_id: str
    version: int
    occurred_at: datetime
    recorded_at: datetime
    body: dict[str, Any]
    operation: str = "UPSERT"
    confidentiality: tuple[str, ...] = ()

    def next_version(self, recorded_at: datetime, **body: Any) -> Item:
        """The item's next version, recorded at ``recorded_at``, with ``body`` changes."""
        return replace(
            self, version=self.version + 1, recorded_at=recorded_at, body={**self.body, **body}
        )

    def entered_in_error(self, recorded_at: datetime) -> Item:
        """The version that withdraws the item as entered in error."""
        return replace(self.next_version(recorded_at), operation="ENTERED_IN_ERROR")


def code(system: str, value: str, display: str | None = None) -> dict[str, Any]:
    """A schema ``Code`` (system is a ``CodeSystem`` symbol)."""
    return {"system": system, "code": value, "display": display}


def header(seed: int, record: OrgRecord, item: Item) -> dict[str, Any]:
    """The schema ``Header`` for ``item`` published by ``record``'s organisation."""
    org = record.membership.org
    return {
        "event_id": event_id(
            seed,
            org=org.code,
            record_type=item.record_type.value,
            source_record_id=item.source_record_id,
            version=item.version,
            operation=item.operation,
        ),
        "org": org.code,
        "source_system": org.source_system,
        "local_patient_id": record.local_id,
        "nhs_number": record.nhs_number,
        "nhs_number_status": record.nhs_status,
        "source_record_id": item.source_record_id,
        "record_version": item.version,
        "occurred_at": item.occurred_at,
        "recorded_at": item.recorded_at,
        "operation": item.operation,
        "confidentiality": list(item.confidentiality),
    }


def to_event(seed: int, record: OrgRecord, item: Item) -> SourceEvent:
    """The source event publishing ``item`` for ``record``."""
    return SourceEvent(item.record_type, {"header": header(seed, record, item), **item.body})
