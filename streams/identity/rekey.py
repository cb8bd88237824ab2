"""Re-keying: recompute the stored blocking keys of the records already in the MPI.

A record's keys are written when it is linked and again when its patient event brings new
demographics. When the key rules change (issue 13, third round: complete records are now stored
under marked locality keys, ``cfl``/``cgl``/``cst``), records linked before keep their old keys
until their next patient event, so a new record cannot find them by the new keys. :func:`rekey`
walks ``source_records`` in ``(org, local_id)`` order, in batches, each batch one transaction:
the batch's rows are read ``FOR UPDATE`` (a concurrent demographics update waits, so keys are
never written from stale demographics), the difference to :func:`blocking.key_change` is
applied, and nothing else is touched (no re-scoring, no link moves).

Idempotent (a record keyed by the current rules is left alone, so a second run changes nothing)
and resumable (every batch commits; ``after`` starts behind a source key, and the report names
the last key done). Only ids and counts are reported, never demographics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from streams.identity.blocking import KeyChange, key_change
from streams.identity.demographics import from_json
from streams.identity.normalise import profile

__all__ = ["BatchResult", "RekeyReport", "rekey", "rekey_batch"]

Connection = psycopg.Connection[Any]

_BATCH = """SELECT s.org, s.local_id, s.demographics,
                   ARRAY(SELECT b.key FROM blocking_keys b
                         WHERE b.org = s.org AND b.local_id = s.local_id)
            FROM (SELECT org, local_id, demographics FROM source_records
                  WHERE (org, local_id) > (%s, %s)
                  ORDER BY org, local_id LIMIT %s FOR UPDATE) s
            ORDER BY s.org, s.local_id"""


@dataclass(frozen=True)
class BatchResult:
    """One batch: records read, records whose keys changed, keys added and removed, and the
    last source key read (None when there was nothing left)."""

    records: int
    changed: int
    added: int
    removed: int
    last: tuple[str, str] | None


@dataclass
class RekeyReport:
    """Totals of a run (ids and counts only)."""

    records: int = 0
    changed: int = 0
    added: int = 0
    removed: int = 0
    batches: int = 0
    last: tuple[str, str] | None = None
    started_after: tuple[str, str] | None = field(default=None)

    def add(self, batch: BatchResult) -> None:
        """Count one committed batch."""
        self.records += batch.records
        self.changed += batch.changed
        self.added += batch.added
        self.removed += batch.removed
        self.batches += 1
        self.last = batch.last or self.last

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` line."""
        return {
            "records": self.records,
            "changed": self.changed,
            "keys_added": self.added,
            "keys_removed": self.removed,
            "batches": self.batches,
            "last": ":".join(self.last) if self.last else None,
        }


def rekey_batch(conn: Connection, *, after: tuple[str, str], size: int) -> BatchResult:
    """Re-key up to ``size`` records after source key ``after`` in one transaction."""
    with conn.transaction():
        rows = conn.execute(_BATCH, (*after, size)).fetchall()
        changes = [
            (org, local_id, key_change(stored, profile(from_json(demographics))))
            for org, local_id, demographics, stored in rows
        ]
        _apply(conn, [(o, i, c) for o, i, c in changes if c.changed])
    changed = [c for _, _, c in changes if c.changed]
    return BatchResult(
        records=len(rows),
        changed=len(changed),
        added=sum(len(c.added) for c in changed),
        removed=sum(len(c.removed) for c in changed),
        last=(rows[-1][0], rows[-1][1]) if rows else None,
    )


def _apply(conn: Connection, changes: list[tuple[str, str, KeyChange]]) -> None:
    """Delete the stale keys and insert the missing ones (two statements per batch)."""
    removed = [(k, o, i) for o, i, c in changes for k in c.removed]
    added = [(k, o, i) for o, i, c in changes for k in c.added]
    if removed:
        conn.execute(
            "DELETE FROM blocking_keys WHERE (key, org, local_id) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]))",
            [list(column) for column in zip(*removed, strict=True)],
        )
    if added:
        conn.execute(
            "INSERT INTO blocking_keys (key, org, local_id) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]) ON CONFLICT DO NOTHING",
            [list(column) for column in zip(*added, strict=True)],
        )


def rekey(
    conn: Connection,
    *,
    batch_size: int = 1000,
    after: tuple[str, str] | None = None,
    on_batch: Callable[[BatchResult], None] | None = None,
) -> RekeyReport:
    """Re-key every record after source key ``after`` (all when None), ``batch_size`` records
    per committed transaction; ``on_batch`` sees each batch (progress, a resume point)."""
    report = RekeyReport(started_after=after)
    cursor = after or ("", "")
    while True:
        batch = rekey_batch(conn, after=cursor, size=batch_size)
        if batch.last is None:
            return report
        report.add(batch)
        if on_batch is not None:
            on_batch(batch)
        cursor = batch.last
