"""Identity changes' source-key moves, folded so several changes cost one upsert. Pure.

:func:`repository.move_source_keys` keeps, per source key, the change with the newest
``changed_at`` (a later one read with an equal time wins). Applying a run of changes one by one
and applying :func:`newest_per_key` of the run in one statement leave the same rows; one
statement cannot name a key twice (``ON CONFLICT DO UPDATE`` refuses to touch a row twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Move", "newest_per_key"]


@dataclass(frozen=True)
class Move:
    """One identity change's move: its source keys now belong to ``person_id``."""

    source_keys: Sequence[str]
    person_id: str
    changed_at: datetime


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
