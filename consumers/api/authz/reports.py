"""Information-governance queries on the audit schema: who looked at a person's record (the
access report) and every break-glass opening (for review). psycopg reads only; the CLI is
``mcr audit access-report`` / ``mcr audit break-glass``, and the viewer's IG page will call
these through an endpoint.

The access report reads each row as ``to_jsonb(audit_log)``, so columns added to the log later
(the acting role and organisation: ``role_id``, ``role_code``, ``org_code``) appear in it as
soon as they exist, and are "" on rows from before them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from consumers.api.authz.break_glass import BreakGlass
from consumers.api.authz.break_glass_store import EVER, NEVER, list_break_glass
from mcr.core.postgres import Connection

__all__ = [
    "AccessEvent",
    "BreakGlassReview",
    "access_report",
    "break_glass_report",
    "report_instant",
]

_ACCESS = """SELECT to_jsonb(a) FROM audit_log a
             WHERE a.person_ids @> ARRAY[%s]::text[] AND a.at >= %s AND a.at < %s
             ORDER BY a.at DESC, a.seq DESC"""
_USES = """SELECT count(*) FROM audit_log a
           WHERE a.flagged AND a.query_kind <> 'break_glass' AND a.user_id = %s
             AND a.person_ids @> ARRAY[%s]::text[] AND a.at >= %s AND a.at < %s"""


@dataclass(frozen=True)
class AccessEvent:
    """One audited request about the person: when, who (user, role, organisation), why
    (relationship or break-glass reason), what happened and which categories were returned."""

    seq: int
    at: datetime
    user_id: str
    role_id: str
    role_code: str
    org_code: str
    purpose: str
    query_kind: str
    outcome: str
    status: int
    shown: int
    relationship: str
    break_glass_reason: str
    flagged: bool
    categories: tuple[str, ...]

    @property
    def why(self) -> str:
        """``break-glass: <reason code>``, the relationship kind, or "" (rows from before)."""
        if self.break_glass_reason:
            return f"break-glass: {self.break_glass_reason}"
        return self.relationship

    def as_json(self) -> dict[str, Any]:
        """JSON-ready values (ids, codes and counts only)."""
        return {
            "seq": self.seq, "at": self.at.isoformat(), "user_id": self.user_id,
            "role_id": self.role_id, "role_code": self.role_code, "org_code": self.org_code,
            "purpose": self.purpose, "query_kind": self.query_kind, "outcome": self.outcome,
            "status": self.status, "shown": self.shown, "relationship": self.relationship,
            "break_glass_reason": self.break_glass_reason, "flagged": self.flagged,
            "categories": list(self.categories), "why": self.why,
        }  # fmt: skip


def _event(row: dict[str, Any]) -> AccessEvent:
    def text(name: str) -> str:
        return str(row.get(name) or "")

    return AccessEvent(
        seq=int(row["seq"]), at=datetime.fromisoformat(row["at"]), user_id=text("user_id"),
        role_id=text("role_id"), role_code=text("role_code"), org_code=text("org_code"),
        purpose=text("purpose"), query_kind=text("query_kind"), outcome=text("outcome"),
        status=int(row["status"]), shown=int(row.get("shown") or 0),
        relationship=text("relationship"),
        break_glass_reason=text("break_glass_reason"), flagged=bool(row.get("flagged")),
        categories=tuple(row.get("categories") or ()),
    )  # fmt: skip


def report_instant(raw: str, *, end: bool) -> datetime:
    """A report window bound: a date (midnight UTC; the day after it for an ``end``, so the
    day counts) or an ISO time (UTC when it has no offset). Raises ValueError otherwise."""
    if len(raw) == 10:
        day = date.fromisoformat(raw) + timedelta(days=1 if end else 0)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    moment = datetime.fromisoformat(raw)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def access_report(
    conn: Connection,
    person_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AccessEvent]:
    """Every audited request about ``person_id`` in ``[since, until)`` (both optional),
    newest first."""
    found = conn.execute(_ACCESS, (person_id, since or EVER, until or NEVER)).fetchall()
    return [_event(values[0]) for values in found]


@dataclass(frozen=True)
class BreakGlassReview:
    """One break-glass opening and how many audited requests rode on it."""

    opening: BreakGlass
    uses: int

    def as_json(self, *, with_text: bool = True) -> dict[str, Any]:
        """JSON-ready values; the free text only when ``with_text`` (the IG listing)."""
        g = self.opening
        found = {
            "id": g.id, "at": g.at.isoformat(), "expires_at": g.expires_at.isoformat(),
            "user_id": g.user_id, "role_id": g.role_id, "role_code": g.role_code,
            "org_code": g.org_code, "person_id": g.person_id,
            "reason_code": g.reason_code.value, "request_id": g.request_id, "uses": self.uses,
        }  # fmt: skip
        return {**found, "reason_text": g.reason_text} if with_text else found


def break_glass_report(
    conn: Connection, *, since: datetime | None = None, until: datetime | None = None
) -> list[BreakGlassReview]:
    """Every break-glass opening in ``[since, until)``, newest first, each with the number of
    flagged requests its user made about its person while it lasted."""
    reviews = []
    for grant in list_break_glass(conn, since, until):
        used = conn.execute(_USES, (grant.user_id, grant.person_id, grant.at, grant.expires_at))
        count = used.fetchone()
        reviews.append(BreakGlassReview(grant, int(count[0]) if count else 0))
    return reviews
