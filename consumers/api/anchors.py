"""Signed anchors of the audit chain's head, kept outside PostgreSQL. Pure.

Whoever can write the audit table can cut rows off its end, truncate it or drop it, and the
rows that are left still form a valid chain. So the service publishes the head (``seq`` and
``hash``) at a regular interval to a Kafka topic that is never compacted or expired, each anchor
signed with the audit key (HMAC-SHA256). :func:`check_anchors` then says what the anchors
prove about the table as it is now:

- a signature that does not verify: an anchor forged or altered (reported; not trusted);
- an anchored ``seq`` beyond the table's head: rows cut off the end, truncated, dropped;
- an anchored ``seq`` whose row now has another hash: rows before it changed and re-chained.

Anchors hold a schema name, a sequence number, a hash and a time: nothing about anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Anchor", "AnchorCheck", "check_anchors", "parse_anchor", "sign_anchor"]


@dataclass(frozen=True)
class Anchor:
    """The audit chain of ``schema`` had row ``seq`` with ``hash`` at ``at`` (UTC ISO)."""

    schema: str
    seq: int
    hash: str
    at: str
    mac: str = ""

    def payload(self) -> bytes:
        """The signed text: the fields but the mac, as canonical JSON."""
        body = {"schema": self.schema, "seq": self.seq, "hash": self.hash, "at": self.at}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def to_json(self) -> bytes:
        """The message value."""
        body = {"schema": self.schema, "seq": self.seq, "hash": self.hash, "at": self.at,
                "mac": self.mac}  # fmt: skip
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def signed_by(self, key: bytes) -> bool:
        """True when the mac is this anchor's signature under ``key``."""
        return hmac.compare_digest(self.mac, _mac(key, self.payload()))


def _mac(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def sign_anchor(key: bytes, *, schema: str, seq: int, hash_: str, at: str) -> Anchor:
    """An anchor of ``seq``/``hash_`` signed with ``key``."""
    unsigned = Anchor(schema, seq, hash_, at)
    return Anchor(schema, seq, hash_, at, _mac(key, unsigned.payload()))


def parse_anchor(value: bytes | None) -> Anchor | None:
    """The anchor in a message value, or None when it is not one."""
    try:
        body: Any = json.loads(value or b"")
        return Anchor(str(body["schema"]), int(body["seq"]), str(body["hash"]), str(body["at"]),
                      str(body["mac"]))  # fmt: skip
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class AnchorCheck:
    """What the anchors say: how many were valid, the highest anchored seq, and faults."""

    valid: int
    forged: int
    anchored_seq: int
    faults: tuple[str, ...]


def check_anchors(
    anchors: Sequence[Anchor], key: bytes, *, head_seq: int, hashes: Mapping[int, str]
) -> AnchorCheck:
    """Check ``anchors`` against a chain whose head is ``head_seq`` and whose rows at the
    anchored seqs have ``hashes`` (from ``chain.verify(keep=...)``)."""
    valid = [a for a in anchors if a.signed_by(key)]
    forged = len(anchors) - len(valid)
    faults: list[str] = []
    if forged:
        faults.append(
            f"anchors: {forged} with a signature that does not verify (forged or altered)"
        )
    anchored = max((a.seq for a in valid), default=0)
    if anchored > head_seq:
        faults.append(
            f"head: row {anchored} was anchored but the table ends at row {head_seq} "
            "(rows cut off the end, truncated or dropped)"
        )
    changed = sorted(a.seq for a in valid if a.seq <= head_seq and hashes.get(a.seq) != a.hash)
    if changed:
        faults.append(
            f"anchor: row {changed[0]} no longer has its anchored hash "
            "(rows changed and re-chained)"
        )
    return AnchorCheck(len(valid), forged, anchored, tuple(faults))
