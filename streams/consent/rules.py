"""Whether one linked event may enter the shared care record, and what a change of consent
must undo. Pure.

An event is shared unless, at the time it is processed:

1. its person objects to the shared care record (``objection``);
2. it is one of the items the person asked its organisation to withhold, or a component of one
   (``<id>#...``, as producers name a FHIR Observation's components) (``withheld``);
3. it carries a very restricted label (``V``) or a sensitive category, such as sexual health,
   whose records the law keeps out of general sharing (``sensitive``), given by its source or
   by one of its codes (``schemas.sensitivity.labels_of``: the caller puts both in
   ``ItemRef.confidentiality``). ``R`` (restricted) is shared: the viewer shows it with its
   label. When a later version of an item turns sensitive, the earlier shared version is
   purged (:func:`relabel_purge`).

Consent events themselves are never shared: preferences are read from the consent state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.sensitivity import SENSITIVE_LABELS, is_sensitive
from streams.consent.state import ConsentState, ItemKey, Scope

__all__ = [
    "SENSITIVE_LABELS",
    "ItemRef",
    "Purge",
    "Verdict",
    "kept_back",
    "purge_for",
    "relabel_purge",
    "verdict",
]


class Verdict(StrEnum):
    """What happens to a linked event. Every value but SHARE names why it is kept back."""

    SHARE = "share"
    OBJECTION = "objection"
    WITHHELD = "withheld"
    SENSITIVE = "sensitive"
    CONSENT_EVENT = "consent-event"


@dataclass(frozen=True)
class ItemRef:
    """What the rules need of an event: its type, its item id and its labels (the source's
    and those its codes give: ``schemas.sensitivity.labels_of``)."""

    record_type: str
    org: str
    source_record_id: str
    confidentiality: tuple[str, ...] = ()
    version: int = 1


def verdict(item: ItemRef, state: ConsentState, now: datetime) -> Verdict:
    """Whether ``item`` may be shared given its person's ``state`` at ``now``."""
    if item.record_type == "consent":
        return Verdict.CONSENT_EVENT
    if state.objects(now):
        return Verdict.OBJECTION
    if _is_withheld(item, state.withheld(now)):
        return Verdict.WITHHELD
    if is_sensitive(item.confidentiality):
        return Verdict.SENSITIVE
    return Verdict.SHARE


def _is_withheld(item: ItemRef, withheld: frozenset[ItemKey]) -> bool:
    record_id = item.source_record_id
    return any(
        org == item.org and (record_id == held or record_id.startswith(f"{held}#"))
        for org, held in withheld
    )


def relabel_purge(item: ItemRef, found: Verdict) -> Purge | None:
    """The purge a kept-back event needs: a sensitive version of an item that had earlier
    versions may follow a shared one, which must go (a version 1 has nothing before it)."""
    if found is Verdict.SENSITIVE and item.version > 1:
        return Purge("sensitive", ((item.org, item.source_record_id),))
    return None


@dataclass(frozen=True)
class Purge:
    """Remove what was already shared: everything of the person, or only ``items``."""

    reason: str
    items: tuple[tuple[str, str], ...] = ()


def purge_for(key: ItemKey, state: ConsentState, now: datetime) -> Purge | None:
    """What to remove once the consent item ``key`` is in ``state``: everything, when it is a
    live objection; the items it names, when it withholds items; else nothing.

    Decided from the item as held, not from what changed, so processing the same consent event
    again (a replay, or a retry after a crash before the purge was sent) sends the purge again:
    purges are idempotent, a lost one is not."""
    held = state.preferences.get(key)
    if held is None:
        return None
    if held.denies(Scope.SHARED_CARE_RECORD, now):
        return Purge("objection")
    if held.denies(Scope.ITEM_WITHHELD, now) and held.withheld_record_ids:
        return Purge("withheld", tuple(sorted((held.org, r) for r in held.withheld_record_ids)))
    return None


def kept_back(verdicts: Iterable[Verdict]) -> dict[str, int]:
    """How many events each reason kept back (for the batch log: counts, never ids)."""
    counts: dict[str, int] = {}
    for v in verdicts:
        if v is not Verdict.SHARE:
            counts[v.value] = counts.get(v.value, 0) + 1
    return counts
