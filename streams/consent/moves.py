"""Identity changes' source-key moves, folded so several changes cost one upsert. Pure.

The upsert of `source_persons` keeps, per source key, the change with the newest
``changed_at`` (a later one read with an equal time wins). Applying a run of changes one by one
and applying :func:`newest_per_key` of the run in one statement leave the same rows; one
statement cannot name a key twice (``ON CONFLICT DO UPDATE`` refuses to touch a row twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["Move", "may_move_records", "newest_per_key"]

#: Identity changes that move records between existing persons (a link to a new person or
#: an existing one moves records too when it names a ``previous_person_id``).
_MOVING_KINDS = frozenset({"MERGE", "UNMERGE"})


@dataclass(frozen=True)
class Move:
    """One identity change's move: its source keys now belong to ``person_id``."""

    source_keys: Sequence[str]
    person_id: str
    changed_at: datetime

    @classmethod
    def of(cls, change: Mapping[str, Any]) -> Move:
        """The move of an identity change (its decoded payload; KeyError when malformed)."""
        return cls(tuple(change["source_keys"]), change["person_id"], change["occurred_at"])


def may_move_records(change: Mapping[str, Any]) -> bool:
    """True when ``change`` may move records into another person (a merge, an unmerge or a
    re-link): then an objection of the person they move to can call for purges, and the
    stages store the moves before it up to it before they judge it."""
    return change["kind"] in _MOVING_KINDS or bool(change.get("previous_person_id"))


def newest_per_key(moves: Iterable[Move]) -> list[tuple[str, str, datetime]]:
    """(source key, person, changed at) per key, from the newest of ``moves`` (in order: the
    later of two equal times wins, as one-by-one upserts with ``<=`` would leave it)."""
    newest: dict[str, tuple[str, datetime]] = {}
    for move in moves:
        for key in move.source_keys:
            held = newest.get(key)
            if held is None or held[1] <= move.changed_at:
                newest[key] = (move.person_id, move.changed_at)
    return [(key, person, at) for key, (person, at) in newest.items()]
