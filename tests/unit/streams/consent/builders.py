"""Builders for consent tests: preferences, and consent or labelled events on ``mcr.linked``
(synthetic ids only; events come from the projection tests' builders)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from schemas.events import RecordType, SourceEvent
from streams.consent.state import Decision, Preference, Scope
from tests.unit.projections.builders import encounter_event, header

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
GP = "Y01"


def preference(
    scope: Scope = Scope.SHARED_CARE_RECORD,
    decision: Decision = Decision.DENY,
    *,
    version: int = 1,
    item: str = "C1",
    org: str = GP,
    **changes: Any,
) -> Preference:
    """A consent item of ``org`` (default: an objection to the shared care record)."""
    return Preference(org, item, version, scope, decision, **changes)


def consent_event(
    scope: str = "SHARED_CARE_RECORD",
    decision: str = "DENY",
    *,
    withheld: tuple[str, ...] = (),
    **head: Any,
) -> SourceEvent:
    """A consent event of the GP ``Y01`` (default: an objection)."""
    return SourceEvent(
        RecordType.CONSENT,
        {
            "header": header(**{"org": GP, "source_record_id": "C1", **head}),
            "scope": scope,
            "decision": decision,
            "withheld_record_ids": list(withheld),
            "effective_to": None,
        },
    )


def labelled(event: SourceEvent, *labels: str) -> SourceEvent:
    """``event`` with confidentiality ``labels``."""
    payload = {
        **event.payload,
        "header": {**event.payload["header"], "confidentiality": list(labels)},
    }
    return SourceEvent(event.record_type, payload)


def gp_encounter(item: str, **head: Any) -> SourceEvent:
    """An encounter of the GP ``Y01``."""
    return encounter_event(**{"org": GP, "source_record_id": item, **head})
