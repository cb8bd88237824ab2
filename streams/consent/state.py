"""A person's sharing preferences and what follows from them. Pure.

A preference is one consent item of one organisation (``org``, ``source_record_id``) at its
newest version; its versions are the patient's changes of mind. :func:`apply` keeps the newest
version of each item, so applying an item twice, or an older version after a newer one,
changes nothing (a replay or a duplicate is harmless).

- **Objection** to the shared care record: any live SHARED_CARE_RECORD DENY. A PERMIT from
  another organisation does not lift it; only the same item's newer version (PERMIT, DELETE or
  ENTERED_IN_ERROR) or its ``effective_to`` passing does. Doubt keeps data back.
- **Withheld items**: ITEM_WITHHELD DENY names source record ids of its own organisation.
- **Secondary-use opt-outs** (Type 1, National Data Opt-out) do not restrict the shared care
  record (direct care); they are kept for the planning feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = ["ConsentState", "Decision", "ItemKey", "Preference", "Scope", "apply", "fold"]

ItemKey = tuple[str, str]
"""(org, source_record_id) of a consent item."""


class Scope(StrEnum):
    """What a consent item is about (the Avro ``scope`` enum)."""

    SHARED_CARE_RECORD = "SHARED_CARE_RECORD"
    TYPE_1_OPT_OUT = "TYPE_1_OPT_OUT"
    NATIONAL_DATA_OPT_OUT = "NATIONAL_DATA_OPT_OUT"
    ITEM_WITHHELD = "ITEM_WITHHELD"


class Decision(StrEnum):
    """PERMIT or DENY (the Avro ``decision`` enum)."""

    PERMIT = "PERMIT"
    DENY = "DENY"


@dataclass(frozen=True)
class Preference:
    """One consent item at one version. ``retracted``: the source deleted it or marked it
    entered in error, so it no longer applies (kept, so an older version cannot come back)."""

    org: str
    source_record_id: str
    version: int
    scope: Scope
    decision: Decision
    withheld_record_ids: frozenset[str] = frozenset()
    effective_to: datetime | None = None
    retracted: bool = False

    @property
    def key(self) -> ItemKey:
        return (self.org, self.source_record_id)

    def denies(self, scope: Scope, now: datetime) -> bool:
        """True when this item is a live DENY of ``scope`` at ``now``."""
        live = not self.retracted and (self.effective_to is None or self.effective_to > now)
        return live and self.scope is scope and self.decision is Decision.DENY

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Preference:
        """The preference a decoded consent event carries."""
        header = payload["header"]
        return cls(
            org=header["org"],
            source_record_id=header["source_record_id"],
            version=int(header["record_version"]),
            scope=Scope(payload["scope"]),
            decision=Decision(payload["decision"]),
            withheld_record_ids=frozenset(payload.get("withheld_record_ids") or ()),
            effective_to=payload.get("effective_to"),
            retracted=header.get("operation", "UPSERT") != "UPSERT",
        )


@dataclass(frozen=True)
class ConsentState:
    """The newest version of each of a person's consent items."""

    preferences: Mapping[ItemKey, Preference] = field(default_factory=lambda: MappingProxyType({}))

    def objects(self, now: datetime) -> bool:
        """True when the person objects to the shared care record at ``now``."""
        return any(p.denies(Scope.SHARED_CARE_RECORD, now) for p in self.preferences.values())

    def withheld(self, now: datetime) -> frozenset[ItemKey]:
        """(org, source_record_id) of every item the person asked to withhold."""
        return frozenset(
            (p.org, record_id)
            for p in self.preferences.values()
            if p.denies(Scope.ITEM_WITHHELD, now)
            for record_id in p.withheld_record_ids
        )

    def opted_out_of_secondary_use(self, now: datetime) -> bool:
        """True for a Type 1 or National Data Opt-out (planning data leaves the person out)."""
        return any(
            p.denies(scope, now)
            for p in self.preferences.values()
            for scope in (Scope.TYPE_1_OPT_OUT, Scope.NATIONAL_DATA_OPT_OUT)
        )


def apply(state: ConsentState, preference: Preference) -> ConsentState:
    """``state`` with ``preference`` applied: kept only if newer than the item's version held."""
    held = state.preferences.get(preference.key)
    if held is not None and held.version >= preference.version:
        return state
    return ConsentState(MappingProxyType({**state.preferences, preference.key: preference}))


def fold(preferences: Iterable[Preference]) -> ConsentState:
    """The state made by applying ``preferences`` in any order."""
    state = ConsentState()
    for preference in preferences:
        state = apply(state, preference)
    return state
