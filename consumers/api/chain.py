"""The audit log's hash chain: what one row says, how it is hashed, how a chain is checked. Pure.

Each row has a sequence number (1, 2, 3, ... with no gaps) and two hashes::

    hash = sha256(prev_hash + canonical JSON of {seq, entry fields})   (hex)
    prev_hash = the previous row's hash ("0" * 64 for row 1)

Changing, deleting, inserting or reordering any row breaks the chain at that row (or the next
one); :func:`verify` walks the rows in order and reports the first that does not fit.

The hashes alone can be recomputed by whoever can write the table, so each row also carries a
``mac``: HMAC-SHA256 of its hash under the audit key, which the service holds and the database
does not. A row changed and re-chained, or forged and appended, has no valid mac. Cutting rows
off the *end* (or truncating, or dropping the table) leaves a valid shorter chain: signed
anchors of the head, kept outside PostgreSQL (``anchors.py``), catch that.

An entry holds ids, counts and kinds only: who (user id), why (purpose), what (action, query
kind), whom (person ids), the outcome and when. Never a name, NHS number, birth date or address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "GENESIS",
    "OPTIONAL_FIELDS",
    "AuditEntry",
    "ChainedRow",
    "Verification",
    "link",
    "row_hash",
    "row_mac",
    "verify",
]

GENESIS = "0" * 64
#: Entry fields hashed only when non-empty (hash compatibility with older rows).
OPTIONAL_FIELDS = (
    "role_id", "role_code", "org_code", "relationship", "break_glass_reason", "flagged",
    "categories",
)  # fmt: skip


@dataclass(frozen=True)
class AuditEntry:
    """One request that returned or refused patient data."""

    at: datetime
    request_id: str
    user_id: str
    purpose: str
    action: str
    query_kind: str
    person_ids: tuple[str, ...]
    outcome: str
    status: int
    shown: int = 0
    kept_back: int = 0
    # Added with issue 10: who (the acting role) and why (relationship or break-glass), and
    # what was returned. Optional: hashed only when set, so older rows keep their hashes.
    role_id: str = ""
    role_code: str = ""
    org_code: str = ""
    relationship: str = ""
    """The care relationship that allowed the request (``holds-record``...), or ""."""
    break_glass_reason: str = ""
    """The break-glass reason code when the request rode on (or opened) a break-glass."""
    flagged: bool = False
    """True for break-glass use: the information-governance review lists these."""
    categories: tuple[str, ...] = ()
    """The record categories returned (``demographics``, ``results``...), sorted."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields; ``at`` as UTC ISO 8601 to the microsecond, ids sorted.

        Fields added after the first release (:data:`OPTIONAL_FIELDS`) appear only when
        set, so a row written before them hashes exactly as it did then."""
        return {**self._base_dict(), **self._optional_dict()}

    def _optional_dict(self) -> dict[str, Any]:
        found = {name: getattr(self, name) for name in OPTIONAL_FIELDS}
        found["categories"] = sorted(self.categories)
        return {name: value for name, value in found.items() if value}

    def _base_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "request_id": self.request_id,
            "user_id": self.user_id,
            "purpose": self.purpose,
            "action": self.action,
            "query_kind": self.query_kind,
            "person_ids": sorted(self.person_ids),
            "outcome": self.outcome,
            "status": self.status,
            "shown": self.shown,
            "kept_back": self.kept_back,
        }


@dataclass(frozen=True)
class ChainedRow:
    """An entry at its place in the chain."""

    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str
    mac: str | None = None
    """HMAC-SHA256 (hex) of ``hash`` under the audit key; None on rows from before keys."""


@dataclass(frozen=True)
class Verification:
    """The result of walking a chain: rows checked, and the first broken row if any."""

    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""
    unauthenticated: int = 0
    """Rows at the start of the chain written before the audit key (no mac)."""
    kept: dict[int, str] = field(default_factory=dict)
    """The hash of each row whose seq was asked for (``verify(keep=...)``)."""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def canonical_json(seq: int, entry: AuditEntry) -> str:
    """The exact text that is hashed: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(
        {"seq": seq, **entry.as_dict()}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def row_hash(prev_hash: str, seq: int, entry: AuditEntry) -> str:
    """sha256 (hex) of ``prev_hash`` followed by the entry's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical_json(seq, entry)).encode("utf-8")).hexdigest()


def row_mac(key: bytes, hash_: str) -> str:
    """HMAC-SHA256 (hex) of a row hash under the audit ``key``."""
    return hmac.new(key, hash_.encode("ascii"), hashlib.sha256).hexdigest()


def link(previous: ChainedRow | None, entry: AuditEntry, key: bytes | None = None) -> ChainedRow:
    """``entry`` as the row after ``previous`` (None: the first row), with its mac under
    ``key`` when one is given."""
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS if previous is None else previous.hash
    hash_ = row_hash(prev_hash, seq, entry)
    return ChainedRow(seq, entry, prev_hash, hash_, None if key is None else row_mac(key, hash_))


def _fault(row: ChainedRow, expected_seq: int, expected_prev: str) -> str:
    if row.seq != expected_seq:
        return f"seq: expected {expected_seq} (a row is missing, added or moved)"
    if row.prev_hash != expected_prev:
        return "prev_hash: does not match the hash of the row before"
    if row.hash != row_hash(row.prev_hash, row.seq, row.entry):
        return "hash: does not match the row's content (the row was changed)"
    return ""


def _mac_fault(row: ChainedRow, key: bytes, keyed: bool) -> str:
    if row.mac is None:
        return (
            "mac: missing after keyed rows (a row written without the audit key)" if keyed else ""
        )
    if not hmac.compare_digest(row.mac, row_mac(key, row.hash)):
        return "mac: does not match (the row was changed or forged without the audit key)"
    return ""


def verify(
    rows: Iterable[ChainedRow], *, key: bytes | None = None, keep: Collection[int] = ()
) -> Verification:
    """Check ``rows`` (in ``seq`` order) link up from the genesis and, with ``key``, that
    every row since the first keyed one carries its mac; stops at the first fault. The hashes
    of the rows numbered in ``keep`` are returned (to check anchors against)."""
    expected_seq, expected_prev, checked, unauthenticated = 1, GENESIS, 0, 0
    kept: dict[int, str] = {}
    keyed = False
    for row in rows:
        fault = _fault(row, expected_seq, expected_prev)
        if not fault and key is not None:
            fault = _mac_fault(row, key, keyed)
        if fault:
            return Verification(checked, expected_seq - 1, expected_prev, row.seq, fault,
                                unauthenticated, kept)  # fmt: skip
        keyed = keyed or row.mac is not None
        unauthenticated += not keyed
        if row.seq in keep:
            kept[row.seq] = row.hash
        checked += 1
        expected_seq, expected_prev = row.seq + 1, row.hash
    return Verification(checked, expected_seq - 1, expected_prev, None, "", unauthenticated, kept)
