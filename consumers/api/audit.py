"""The audit log in PostgreSQL: one hash-chained row per request that returned or refused
patient data. psycopg only; the chain itself is ``chain.py``.

Rows are appended under a table lock (``EXCLUSIVE``: readers go on, writers queue), so the
chain is one total order even with several service processes. Every column is part of the
hashed entry, so editing any of them is detected by :func:`verify_log`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg

from consumers.api.chain import AuditEntry, ChainedRow, Verification, link, verify
from consumers.api.connections import Connection, SharedConnection
from consumers.api.errors import AuditError
from mcr.core.postgres import apply_ddl, schema_connection

__all__ = ["DDL", "AuditLog", "append", "connect", "migrate", "rows", "verify_log"]

_MIGRATION_LOCK = 7_236_514_003
_BATCH = 1000

DDL = """
CREATE TABLE IF NOT EXISTS audit_log (
    seq         bigint PRIMARY KEY,
    at          timestamptz NOT NULL,
    request_id  text NOT NULL,
    user_id     text NOT NULL,
    purpose     text NOT NULL,
    action      text NOT NULL,
    query_kind  text NOT NULL,
    person_ids  text[] NOT NULL,
    outcome     text NOT NULL,
    status      integer NOT NULL,
    shown       integer NOT NULL,
    kept_back   integer NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS audit_log_person_ids ON audit_log USING gin (person_ids);
CREATE INDEX IF NOT EXISTS audit_log_user_at ON audit_log (user_id, at);
"""
_LAST = """SELECT seq, at, request_id, user_id, purpose, action, query_kind, person_ids, outcome,
                  status, shown, kept_back, prev_hash, hash
             FROM audit_log ORDER BY seq DESC LIMIT 1"""
_INSERT = """INSERT INTO audit_log (seq, at, request_id, user_id, purpose, action, query_kind,
                                   person_ids, outcome, status, shown, kept_back, prev_hash, hash)
             VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""
_AFTER = """SELECT seq, at, request_id, user_id, purpose, action, query_kind, person_ids, outcome,
                   status, shown, kept_back, prev_hash, hash
              FROM audit_log WHERE seq > %s ORDER BY seq LIMIT %s"""


def connect(dsn: str, schema: str) -> Connection:
    """An autocommit connection on ``schema`` (created and migrated on first use)."""
    return schema_connection(
        dsn, schema, ddl=DDL, lock_id=_MIGRATION_LOCK, setting="MCR_API_AUDIT_SCHEMA"
    )


def migrate(conn: Connection) -> None:
    """Create the table in the first schema of the search path (safe to repeat)."""
    apply_ddl(conn, DDL, lock_id=_MIGRATION_LOCK)


def _row(values: tuple[Any, ...]) -> ChainedRow:
    entry = AuditEntry(
        at=values[1],
        request_id=values[2],
        user_id=values[3],
        purpose=values[4],
        action=values[5],
        query_kind=values[6],
        person_ids=tuple(values[7]),
        outcome=values[8],
        status=values[9],
        shown=values[10],
        kept_back=values[11],
    )
    return ChainedRow(seq=int(values[0]), entry=entry, prev_hash=values[12], hash=values[13])


def _values(row: ChainedRow) -> tuple[Any, ...]:
    e = row.entry
    return (row.seq, e.at, e.request_id, e.user_id, e.purpose, e.action, e.query_kind,
            sorted(e.person_ids), e.outcome, e.status, e.shown, e.kept_back, row.prev_hash,
            row.hash)  # fmt: skip


def append(conn: Connection, entry: AuditEntry) -> ChainedRow:
    """Add ``entry`` after the newest row, in one transaction; returns the stored row."""
    with conn.transaction():
        conn.execute("LOCK TABLE audit_log IN EXCLUSIVE MODE")
        last = conn.execute(_LAST).fetchone()
        row = link(None if last is None else _row(last), entry)
        conn.execute(_INSERT, _values(row))
    return row


def rows(conn: Connection, *, batch: int = _BATCH) -> Iterator[ChainedRow]:
    """Every row in ``seq`` order, read in batches."""
    after = 0
    while True:
        found = conn.execute(
            _AFTER,
            (after, batch),
        ).fetchall()
        for values in found:
            yield _row(values)
        if len(found) < batch:
            return
        after = int(found[-1][0])


def verify_log(conn: Connection) -> Verification:
    """Walk the whole chain; the result names the first broken row, if any."""
    return verify(rows(conn))


class AuditLog:
    """The audit log as the service uses it: append before answering, verify on demand."""

    def __init__(self, dsn: str, schema: str) -> None:
        self._shared = SharedConnection(lambda: connect(dsn, schema))

    def append(self, entry: AuditEntry) -> ChainedRow:
        """Store ``entry``; raises AuditError when PostgreSQL does not take it."""
        try:
            with self._shared.use() as conn:
                return append(conn, entry)
        except psycopg.Error as exc:
            raise AuditError("audit log: the row was not written") from exc

    def verify(self) -> Verification:
        """Walk the chain; raises AuditError when PostgreSQL cannot be read."""
        try:
            with self._shared.use() as conn:
                return verify_log(conn)
        except psycopg.Error as exc:
            raise AuditError("audit log: could not be read") from exc

    def close(self) -> None:
        self._shared.close()
