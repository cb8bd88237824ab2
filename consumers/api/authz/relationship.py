"""Care relationship: does the acting organisation care for this person? Pure.

Judged on the documents the record request reads of the person (``access.Hit``), in this
order, the first that holds wins:

``holds-record``
    the organisation holds a live patient document for the person (``org``);
``registered-gp``
    the person's registered GP practice, as the newest live patient document records it
    (``patient.registered_gp_practice``), is the organisation;
``recent-encounter``
    a live encounter at the organisation ended (or, still open, started) within the window
    (``MCR_API_RELATIONSHIP_DAYS``, 365 days) before now. Encounters dated in the future
    (planned) do not count.

Tombstones (``deleted`` not false), summaries and other document kinds never count, nor does
another organisation's document. Referrals are not in the record model, so a referral alone
is no relationship (the clinician can break the glass).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from consumers.api.access import Hit

__all__ = [
    "DEFAULT_WINDOW",
    "NoRelationship",
    "Relationship",
    "RelationshipKind",
    "find_relationship",
]

DEFAULT_WINDOW = timedelta(days=365)


class RelationshipKind(StrEnum):
    """Why an organisation may look at a person's record without breaking the glass."""

    HOLDS_RECORD = "holds-record"
    REGISTERED_GP = "registered-gp"
    RECENT_ENCOUNTER = "recent-encounter"


@dataclass(frozen=True)
class Relationship:
    """The organisation has a care relationship of this kind with the person."""

    kind: RelationshipKind


@dataclass(frozen=True)
class NoRelationship:
    """No care relationship; ``reason`` says what was looked for (no value from the record)."""

    reason: str = "no patient document, GP registration or recent encounter at the organisation"


def _live(hit: Hit, doc_kind: str) -> bool:
    return hit.source.get("deleted") is False and hit.source.get("doc_kind") == doc_kind


def _holds_record(org: str, patients: list[Hit]) -> bool:
    return any(hit.source.get("org") == org for hit in patients)


def _registered_gp(org: str, patients: list[Hit]) -> bool:
    if not patients:
        return False
    newest = max(patients, key=lambda hit: str(hit.source.get("recorded_at") or ""))
    details = newest.source.get("patient") or {}
    return bool(details.get("registered_gp_practice")) and details["registered_gp_practice"] == org


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _recent_encounter(org: str, items: Iterable[Hit], now: datetime, window: timedelta) -> bool:
    for hit in items:
        source = hit.source
        if not _live(hit, "item") or source.get("record_type") != "encounter":
            continue
        if source.get("org") != org:
            continue
        encounter = source.get("encounter") or {}
        when = _instant(encounter.get("period_end")) or _instant(encounter.get("period_start"))
        if when is not None and now - window <= when <= now:
            return True
    return False


def find_relationship(
    org_code: str,
    hits: Iterable[Hit],
    now: datetime,
    *,
    window: timedelta = DEFAULT_WINDOW,
) -> Relationship | NoRelationship:
    """The care relationship between the organisation ``org_code`` (ODS) and the person whose
    documents are ``hits`` (patient documents and items, any order), at ``now``."""
    every = list(hits)
    patients = [hit for hit in every if _live(hit, "patient")]
    if not org_code:
        return NoRelationship("the acting role names no organisation")
    if _holds_record(org_code, patients):
        return Relationship(RelationshipKind.HOLDS_RECORD)
    if _registered_gp(org_code, patients):
        return Relationship(RelationshipKind.REGISTERED_GP)
    if _recent_encounter(org_code, every, now, window):
        return Relationship(RelationshipKind.RECENT_ENCOUNTER)
    return NoRelationship()
