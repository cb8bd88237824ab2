"""Identity changes -> which documents move to which person. Pure.

A change moves *exactly* the documents whose ``source_key`` it names (items, patient
documents and tombstones) to ``person_id``: for MERGE the survivor, for UNMERGE the restored
person. So MERGE followed by UNMERGE of the same keys restores the original layout, whatever
else the two persons hold. NEW_PERSON and first-time LINK changes move nothing (the linked
events already carry their person); a LINK or NEW_PERSON with a ``previous_person_id`` is a
re-link and moves like a merge.

A move rewrites each document with its *own* version and ``version_type=external_gte``: the
version stays the source ``record_version`` (``_update_by_query`` would bump it and make the
next real update look stale). Before moving, the change is recorded as a route per source key
(see routes.py); keys where a newer change already holds the route are not moved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from projections.record.bulk import BulkOp
from projections.record.errors import DocumentError

__all__ = [
    "IdentityChange",
    "RekeyPlan",
    "moved_op",
    "parse_identity_change",
    "plan_rekey",
    "rekey_query",
]

_ALWAYS_MOVE = frozenset({"MERGE", "UNMERGE"})
_KINDS = frozenset({"NEW_PERSON", "LINK", "MERGE", "UNMERGE"})


@dataclass(frozen=True)
class IdentityChange:
    """The parts of an ``identity_change`` record the projection acts on."""

    change_id: str
    kind: str
    person_id: str
    previous_person_id: str | None
    source_keys: tuple[str, ...]
    occurred_at: datetime


@dataclass(frozen=True)
class RekeyPlan:
    """Move every document of ``source_keys`` to ``person_id``; ``version`` orders changes of
    the same key (the change time in epoch milliseconds)."""

    change_id: str
    person_id: str
    previous_person_id: str | None
    source_keys: tuple[str, ...]
    occurred_at: datetime

    @property
    def version(self) -> int:
        return int(self.occurred_at.timestamp() * 1000)


def parse_identity_change(payload: Mapping[str, Any]) -> IdentityChange:
    """The change in a decoded ``identity_change`` payload; raises DocumentError on bad fields."""
    kind = payload.get("kind")
    if kind not in _KINDS:
        raise DocumentError("kind: not a known identity change kind", field="kind")
    person_id = payload.get("person_id")
    if not isinstance(person_id, str) or not person_id:
        raise DocumentError("person_id: must be a non-empty string", field="person_id")
    occurred_at = payload.get("occurred_at")
    if not isinstance(occurred_at, datetime):
        raise DocumentError("occurred_at: must be a timestamp", field="occurred_at")
    return IdentityChange(
        change_id=str(payload.get("change_id", "")),
        kind=str(kind),
        person_id=person_id,
        previous_person_id=payload.get("previous_person_id"),
        source_keys=tuple(payload.get("source_keys") or ()),
        occurred_at=occurred_at if occurred_at.tzinfo else occurred_at.replace(tzinfo=UTC),
    )


def plan_rekey(change: IdentityChange) -> RekeyPlan | None:
    """What to move for ``change``, or None when it moves nothing."""
    if not change.source_keys:
        return None
    if change.kind not in _ALWAYS_MOVE and change.previous_person_id is None:
        return None
    return RekeyPlan(
        change.change_id,
        change.person_id,
        change.previous_person_id,
        change.source_keys,
        change.occurred_at,
    )


def rekey_query(plan: RekeyPlan, source_keys: Sequence[str]) -> dict[str, Any]:
    """Documents of ``source_keys`` that do not yet belong to the plan's person (not routes)."""
    return {
        "bool": {
            "filter": [{"terms": {"source_key": list(source_keys)}}],
            "must_not": [{"term": {"person_id": plan.person_id}}, {"term": {"doc_kind": "route"}}],
        }
    }


def moved_op(hit: Mapping[str, Any], plan: RekeyPlan) -> BulkOp:
    """Rewrite a search hit (with ``_version``) under the plan's person, same version."""
    body = {**hit["_source"], "person_id": plan.person_id}
    return BulkOp("index", hit["_index"], hit["_id"], body, int(hit["_version"]), "external_gte")
