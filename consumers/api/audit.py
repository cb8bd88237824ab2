"""The audit log in PostgreSQL: one hash-chained row per request that returned or refused
patient data. psycopg only; the chain itself is ``chain.py``, the anchors ``anchors.py``.

What the database enforces (applied by :func:`migrate` and :func:`grant_writer` with the
migrating role, the schema's owner ``mcr_audit_owner``, ``audit_admin_dsn``; the writer role is
made by the stack's bootstrap, docs/security-stores.md):

- the service writes through its own login role (``audit_role``), granted INSERT and SELECT on
  ``audit_log`` and nothing else: UPDATE, DELETE and TRUNCATE are refused by privilege;
- triggers refuse UPDATE, DELETE and TRUNCATE for every role, the owner included (an owner can
  drop the triggers, which is exactly what the row macs and the anchors then catch);
- each append commits with ``synchronous_commit = on``: the row is on disk before the answer.

The chain is one total order even with several service processes: rows are appended under a
transaction-level advisory lock per schema (``LOCK TABLE`` would need UPDATE or DELETE rights the
writer does not have), and a row names its ``seq`` (the primary key) and its predecessor's hash,
so a writer whose idea of the head is stale fails on the key and chains again onto the head read
under the lock. Within a process appends are grouped (:class:`AuditLog`): requests that
arrive while a commit is on disk wait for the next one and share it, one statement and one
durable commit for all of them, so a burst costs one disk flush rather than one each. Every
column but ``mac`` is part of the hashed entry; ``mac`` signs the hash with the audit key.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from consumers.api.chain import AuditEntry, ChainedRow, Verification, link, verify
from consumers.api.errors import AuditError
from consumers.api.pools import open_pool
from mcr.core.postgres import Connection, apply_ddl, quoted_schema, schema_connection

__all__ = [
    "APPEND_ONLY_TABLES",
    "AUTHZ_DDL",
    "DDL",
    "MIN_KEY_BYTES",
    "AuditLog",
    "append",
    "append_all",
    "connect",
    "grant_writer",
    "head",
    "load_key",
    "migrate",
    "open_read_only",
    "rows",
    "verify_log",
]

_MIGRATION_LOCK = 7_236_514_003
_ROLE_LOCK = 7_236_514_004
_APPEND_LOCK = 723_651_405  # with hashtext(schema): one append at a time per audit log
#: Durable commit for this transaction (whatever the session's default), then the append lock;
#: the head is read, or the row's seq checked by its primary key, after the lock is held.
_LOCKED_DURABLE = (
    "SELECT set_config('synchronous_commit', 'on', true),"
    " pg_advisory_xact_lock(%s, hashtext(current_schema()))"
)
_BATCH = 1000
MIN_KEY_BYTES = 32

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
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS mac text;
-- who, by the acting role (issue 10); NULL on rows written before
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS role_id text;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS role_code text;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS org_code text;
CREATE INDEX IF NOT EXISTS audit_log_person_ids ON audit_log USING gin (person_ids);
CREATE INDEX IF NOT EXISTS audit_log_user_at ON audit_log (user_id, at);
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501';
END
$$;
"""
# -- authorisation (issue 10): why a request was allowed, and the break-glass openings, kept
# apart from the log's own DDL above. The new columns are NULL when unset (and on older rows).
AUTHZ_DDL = """
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS relationship text;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS break_glass_reason text;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS flagged boolean;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS categories text[];
CREATE INDEX IF NOT EXISTS audit_log_flagged_at ON audit_log (at) WHERE flagged;
CREATE TABLE IF NOT EXISTS break_glass (
    id           text PRIMARY KEY,
    at           timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL CHECK (expires_at > at),
    user_id      text NOT NULL,
    role_id      text NOT NULL,
    role_code    text NOT NULL,
    org_code     text NOT NULL,
    person_id    text NOT NULL,
    reason_code  text NOT NULL,
    reason_text  text NOT NULL,
    request_id   text NOT NULL
);
CREATE INDEX IF NOT EXISTS break_glass_user_person ON break_glass (user_id, person_id, expires_at);
CREATE INDEX IF NOT EXISTS break_glass_at ON break_glass (at);
"""
#: The insert-only tables of the audit schema: the writer may INSERT and SELECT, nothing else,
#: and the triggers refuse UPDATE, DELETE and TRUNCATE for every role.
APPEND_ONLY_TABLES = ("audit_log", "break_glass")


def _append_only(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_no_change ON {table};
CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
"""


DDL += AUTHZ_DDL + "".join(_append_only(table) for table in APPEND_ONLY_TABLES)
_COLUMNS = """seq, at, request_id, user_id, purpose, action, query_kind, person_ids, outcome,
              status, shown, kept_back, prev_hash, hash, mac,
              role_id, role_code, org_code, relationship, break_glass_reason, flagged,
              categories"""
_LAST = f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1"  # noqa: S608
_PLACEHOLDERS = f"({', '.join(['%s'] * len(_COLUMNS.split(',')))})"
_AFTER = f"SELECT {_COLUMNS} FROM audit_log WHERE seq > %s ORDER BY seq LIMIT %s"  # noqa: S608


def load_key(path: str) -> bytes:
    """The audit key from the file ``path`` (``MCR_AUDIT_KEY_FILE``).

    Raises AuditError naming the variable when it is unset, unreadable or shorter than
    :data:`MIN_KEY_BYTES` bytes (never the key).
    """
    if not path:
        raise AuditError("MCR_AUDIT_KEY_FILE: not set (the audit key signs every row)")
    try:
        key = Path(path).read_bytes().strip()
    except OSError as exc:
        raise AuditError("MCR_AUDIT_KEY_FILE: the file cannot be read") from exc
    if len(key) < MIN_KEY_BYTES:
        raise AuditError(f"MCR_AUDIT_KEY_FILE: expected at least {MIN_KEY_BYTES} bytes of key")
    return key


def connect(dsn: str, schema: str) -> Connection:
    """An autocommit connection on ``schema`` (created and migrated on first use)."""
    return schema_connection(
        dsn, schema, ddl=DDL, lock_id=_MIGRATION_LOCK, setting="MCR_API_AUDIT_SCHEMA"
    )


def migrate(conn: Connection) -> None:
    """Create the table and its triggers in the first schema of the search path (safe to
    repeat)."""
    apply_ddl(conn, DDL, lock_id=_MIGRATION_LOCK)


def grant_writer(conn: Connection, *, role: str, schema: str) -> None:
    """Make ``role`` a login that may INSERT into and SELECT from the append-only tables of
    ``schema`` (:data:`APPEND_ONLY_TABLES`) and do nothing else there (created when missing;
    safe to repeat and to run concurrently)."""
    name, where = quoted_schema(role, setting="MCR_API_AUDIT_ROLE"), quoted_schema(schema)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_ROLE_LOCK,))
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            conn.execute(f"CREATE ROLE {name} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {where} TO {name}")
        for table in APPEND_ONLY_TABLES:
            conn.execute(f"REVOKE ALL ON {where}.{table} FROM {name}")
            conn.execute(f"GRANT SELECT, INSERT ON {where}.{table} TO {name}")


def open_read_only(dsn: str, schema: str) -> Connection | None:
    """A read-only connection on ``schema`` for checking the log, or None when there is no
    audit table there (the schema or the table is missing). Creates nothing."""
    name = quoted_schema(schema, setting="MCR_API_AUDIT_SCHEMA")
    options = f"-c search_path={name} -c default_transaction_read_only=on"
    conn = psycopg.connect(dsn, autocommit=True, options=options)
    found = conn.execute("SELECT to_regclass('audit_log')").fetchone()
    if found is None or found[0] is None:
        conn.close()
        return None
    return conn


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
        **_optional_fields(values[15:22]),
    )
    return ChainedRow(int(values[0]), entry, values[12], values[13], values[14])


def _optional_fields(values: tuple[Any, ...]) -> dict[str, Any]:
    """The columns added with issue 10 (NULL on rows from before them) as entry fields."""
    role_id, role_code, org_code, relationship, reason, flagged, categories = values
    return {"role_id": role_id or "", "role_code": role_code or "", "org_code": org_code or "",
            "relationship": relationship or "", "break_glass_reason": reason or "",
            "flagged": bool(flagged), "categories": tuple(categories or ())}  # fmt: skip


def _optional_values(e: AuditEntry) -> tuple[Any, ...]:
    """Those columns from an entry: NULL when unset, as the entry hashes them."""
    texts = (e.role_id, e.role_code, e.org_code, e.relationship, e.break_glass_reason)
    return (*(text or None for text in texts), e.flagged or None, sorted(e.categories) or None)


def _values(row: ChainedRow) -> tuple[Any, ...]:
    e = row.entry
    return (row.seq, e.at, e.request_id, e.user_id, e.purpose, e.action, e.query_kind,
            sorted(e.person_ids), e.outcome, e.status, e.shown, e.kept_back, row.prev_hash,
            row.hash, row.mac, *_optional_values(e))  # fmt: skip


def _insert(count: int) -> str:
    """One INSERT of ``count`` rows."""
    values = ", ".join([_PLACEHOLDERS] * count)
    return f"INSERT INTO audit_log ({_COLUMNS}) VALUES {values}"  # noqa: S608


def _chained(
    after: ChainedRow | None, entries: Sequence[AuditEntry], key: bytes | None
) -> list[ChainedRow]:
    """``entries`` linked one after another onto ``after``."""
    rows: list[ChainedRow] = []
    for entry in entries:
        rows.append(link(rows[-1] if rows else after, entry, key))
    return rows


def append_all(
    conn: Connection,
    entries: Sequence[AuditEntry],
    *,
    after: ChainedRow | None,
    key: bytes | None = None,
) -> list[ChainedRow]:
    """Add ``entries`` after ``after`` (the newest row as far as the caller knows), signed with
    ``key``, in one durable transaction; returns the stored rows.

    Every writer appends under the per-log advisory lock. The usual case (the caller's head is
    the newest row) is one pipelined round trip; when another writer has appended since, the
    ``seq`` is taken, and the entries are chained again onto the head read under the lock.
    Raises psycopg errors as they come.
    """
    rows = _chained(after, entries, key)
    try:
        with conn.pipeline(), conn.transaction():
            conn.execute(_LOCKED_DURABLE, (_APPEND_LOCK,))
            conn.execute(_insert(len(rows)), _flat(rows))
        return rows
    except psycopg.errors.UniqueViolation:
        pass  # another writer moved the head
    with conn.transaction():
        conn.execute(_LOCKED_DURABLE, (_APPEND_LOCK,))
        rows = _chained(head(conn), entries, key)
        conn.execute(_insert(len(rows)), _flat(rows))
    return rows


def _flat(rows: Sequence[ChainedRow]) -> list[Any]:
    return [value for row in rows for value in _values(row)]


def append(conn: Connection, entry: AuditEntry, *, key: bytes | None = None) -> ChainedRow:
    """Add ``entry`` after the newest row (read first), signed with ``key``, in one durable
    transaction; returns the stored row."""
    return append_all(conn, [entry], after=head(conn), key=key)[0]


def head(conn: Connection) -> ChainedRow | None:
    """The newest row, or None when the log is empty."""
    last = conn.execute(_LAST).fetchone()
    return None if last is None else _row(last)


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


def verify_log(
    conn: Connection, *, key: bytes | None = None, keep: Collection[int] = ()
) -> Verification:
    """Walk the whole chain (with ``key``: the macs too); the result names the first broken
    row, if any, and the hashes of the rows in ``keep``."""
    return verify(rows(conn), key=key, keep=keep)


@dataclass
class _Waiting:
    """One request's entry until a group commit has written it (or failed)."""

    entry: AuditEntry
    row: ChainedRow | None = None
    error: Exception | None = None
    done: bool = False


class AuditLog:
    """The audit log as the service uses it: migrated once by the migrating role, then
    written through the insert-only role (a pool of its connections), every row signed; the
    head is kept for anchoring.

    Appends are group-committed: a request's entry joins a queue; whoever holds the writer
    lock writes everything queued in one durable transaction and hands each waiter its row.
    No request returns before its own row is on disk."""

    def __init__(
        self, *, admin_dsn: str, writer_dsn: str, schema: str, role: str, key: bytes,
        pool_size: int = 4,
    ) -> None:  # fmt: skip
        self._key = key
        admin = connect(admin_dsn, schema)
        try:
            grant_writer(admin, role=role, schema=schema)
        finally:
            admin.close()
        self._pool = open_pool(writer_dsn, schema, setting="MCR_API_AUDIT_SCHEMA",
                               size=pool_size, name="audit")  # fmt: skip
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()
        self._writer_lock = threading.Lock()
        self.schema = schema
        self.last: ChainedRow | None = None
        """The newest row this process knows of (written by it, or read at start)."""

    def append(self, entry: AuditEntry) -> ChainedRow:
        """Store ``entry`` (with whatever else is queued); raises AuditError when PostgreSQL
        does not take it."""
        waiting = _Waiting(entry)
        with self._queue_lock:
            self._queue.append(waiting)
        with self._writer_lock:
            if not waiting.done:  # no earlier commit took it: write everything queued
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._write(group)
        if waiting.row is None:
            raise AuditError("audit log: the row was not written") from waiting.error
        return waiting.row

    def _write(self, group: list[_Waiting]) -> None:
        """Write ``group`` in one transaction (the caller holds the writer lock)."""
        try:
            with self._pool.connection() as conn:
                rows = append_all(conn, [w.entry for w in group], after=self.last, key=self._key)
        except (psycopg.Error, AuditError) as exc:
            # self.last stays: if the commit happened after all, the next write loses the race
            # for the head, reads it and chains again
            for waiting in group:
                waiting.error, waiting.done = exc, True
            return
        for waiting, row in zip(group, rows, strict=True):
            waiting.row, waiting.done = row, True
        self.last = rows[-1]

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """The insert-only connection, held for the block: for the schema's other append-only
        table (``break_glass``, ``authz.break_glass_store``). psycopg errors propagate."""
        with self._pool.connection() as conn:
            yield conn

    def read_head(self) -> ChainedRow | None:
        """Read the newest row (and remember it); raises AuditError when it cannot."""
        try:
            with self._pool.connection() as conn:
                self.last = head(conn)
        except psycopg.Error as exc:
            raise AuditError("audit log: could not be read") from exc
        return self.last

    def close(self) -> None:
        self._pool.close()
