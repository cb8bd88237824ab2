"""Break-glass openings in PostgreSQL: the ``break_glass`` table of the audit schema. psycopg
only; the rules are ``break_glass.py``.

The table is made by the audit schema's migration (``audit.AUTHZ_DDL``) and protected like the
audit log: the service's writer role may INSERT and SELECT only (``audit.grant_writer``), and
triggers refuse UPDATE, DELETE and TRUNCATE for every role. An opening is never changed or
closed early: it expires.

The free text of a reason is stored and read back for the information-governance listing;
nothing here logs it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from consumers.api.authz.break_glass import BreakGlass, ReasonCode
from mcr.core.postgres import Connection

__all__ = ["EVER", "NEVER", "active_break_glass", "list_break_glass", "open_break_glass"]

_COLUMNS = """id, at, expires_at, user_id, role_id, role_code, org_code, person_id,
              reason_code, reason_text, request_id"""
_INSERT = f"""INSERT INTO break_glass ({_COLUMNS})
              VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""  # noqa: S608
_ACTIVE = f"""SELECT {_COLUMNS} FROM break_glass
              WHERE user_id = %s AND person_id = %s AND at <= %s AND expires_at > %s
              ORDER BY expires_at DESC LIMIT 1"""  # noqa: S608
_LIST = f"""SELECT {_COLUMNS} FROM break_glass
            WHERE at >= %s AND at < %s ORDER BY at DESC, id"""  # noqa: S608
#: The open ends of a time window (``since``/``until`` not given).
EVER = datetime.fromisoformat("0001-01-01T00:00:00+00:00")
NEVER = datetime.fromisoformat("9999-12-31T00:00:00+00:00")


def _grant(values: tuple[Any, ...]) -> BreakGlass:
    return BreakGlass(
        id=values[0], at=values[1], expires_at=values[2], user_id=values[3], role_id=values[4],
        role_code=values[5], org_code=values[6], person_id=values[7],
        reason_code=ReasonCode(values[8]), reason_text=values[9], request_id=values[10],
    )  # fmt: skip


def open_break_glass(conn: Connection, grant: BreakGlass) -> BreakGlass:
    """Store ``grant`` (made and checked by ``break_glass.new_break_glass``) durably; returns
    it. psycopg errors propagate (the caller answers 503 and opens nothing)."""
    g = grant
    with conn.transaction():
        conn.execute("SET LOCAL synchronous_commit = on")
        conn.execute(_INSERT, (g.id, g.at, g.expires_at, g.user_id, g.role_id, g.role_code,
                               g.org_code, g.person_id, g.reason_code.value, g.reason_text,
                               g.request_id))  # fmt: skip
    return grant


def active_break_glass(
    conn: Connection, user_id: str, person_id: str, now: datetime
) -> BreakGlass | None:
    """The opening of ``user_id`` on ``person_id`` in force at ``now`` (the one lasting
    longest), or None."""
    found = conn.execute(_ACTIVE, (user_id, person_id, now, now)).fetchone()
    return None if found is None else _grant(found)


def list_break_glass(
    conn: Connection, since: datetime | None = None, until: datetime | None = None
) -> list[BreakGlass]:
    """Every opening made in ``[since, until)`` (both optional), newest first, with its free
    text: for information-governance review only."""
    found = conn.execute(_LIST, (since or EVER, until or NEVER)).fetchall()
    return [_grant(values) for values in found]
