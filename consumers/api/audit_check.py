"""``mcr audit verify``: is the audit log still what the service wrote? Thin I/O around
``chain.verify`` and ``anchors.check_anchors``. It reads, and never creates anything: a missing
table is reported, not made.

Detected (each with its own message): a changed row (its hash), a row deleted or inserted (the
sequence), a row changed and the chain recomputed, or a row forged and appended (the macs, which
need the audit key), rows cut off the end, a truncated or dropped table (the anchors kept in
Kafka), and forged anchors (their signatures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from consumers.api import audit
from consumers.api.anchor_log import read_anchors
from consumers.api.anchors import check_anchors
from consumers.api.settings import ApiSettings
from mcr.core.kafka_acls import OPS

__all__ = ["AuditReport", "verify_audit"]


@dataclass(frozen=True)
class AuditReport:
    """What verification found: rows checked, the head, the anchors, and every fault."""

    table: bool
    rows: int = 0
    head_seq: int = 0
    head_hash: str = ""
    unauthenticated: int = 0
    anchors: int = 0
    anchored_seq: int = 0
    faults: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.faults

    def as_json(self) -> dict[str, Any]:
        """JSON-ready values (sequence numbers, hashes and counts only)."""
        return {"ok": self.ok, "table": self.table, "rows": self.rows,
                "head_seq": self.head_seq, "head_hash": self.head_hash,
                "unauthenticated": self.unauthenticated, "anchors": self.anchors,
                "anchored_seq": self.anchored_seq, "faults": list(self.faults)}  # fmt: skip


def verify_audit(settings: ApiSettings) -> AuditReport:
    """Check the audit log of ``settings`` against its key and anchors.

    Raises AuditError when the key is missing or the anchors cannot be read.
    """
    key = audit.load_key(settings.audit_key_file)
    kafka = settings.kafka.resolve(OPS)  # `mcr audit verify`: an operator's check
    anchors = read_anchors(kafka, settings.anchor_topic, settings.audit_schema)
    conn = audit.open_read_only(settings.postgres_dsn.get_secret_value(), settings.audit_schema)
    if conn is None:
        anchored = max((a.seq for a in anchors if a.signed_by(key)), default=0)
        dropped = f"table: audit_log is missing but row {anchored} was anchored (dropped)"
        return AuditReport(False, anchors=len(anchors), anchored_seq=anchored,
                           faults=(dropped,) if anchored else ())  # fmt: skip
    try:
        chain = audit.verify_log(conn, key=key, keep={a.seq for a in anchors})
    finally:
        conn.close()
    checked = check_anchors(anchors, key, head_seq=chain.head_seq, hashes=chain.kept)
    # A chain broken early leaves later anchored rows unread: only its first fault counts then.
    faults = list(checked.faults) if chain.ok else [f"row {chain.broken_seq}: {chain.reason}"]
    return AuditReport(True, chain.checked, chain.head_seq, chain.head_hash,
                       chain.unauthenticated, checked.valid, checked.anchored_seq,
                       tuple(faults))  # fmt: skip
