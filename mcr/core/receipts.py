"""The one store of purge receipts: what was removed from which store, for whom, at whose
request, when, and how many items. Information governance lists them
(``mcr consent receipts --person ...``).

Every store that purges writes here (the planning store today; the record projection and
organisation purges can write the same rows: ``store`` names which). A receipt holds ids,
ODS codes, times and counts, never PHI: ``subject`` is the person id for the record store and
the person's pseudonym for the planning store (which never holds person ids). ``receipt_id`` is
the command id and the store, so applying the same command again (a replay) keeps the first
receipt. Schema ``MCR_RECEIPTS_SCHEMA`` (default ``receipts``), its own so it can get its own
role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from mcr.core.postgres import Connection, quoted_schema, schema_connection

__all__ = ["DDL", "Receipt", "connect", "for_subjects", "record"]

_LOCK_ID = 0x6D63_7265_6370  # "mcrecp": serialises the DDL across processes
DDL = """
CREATE TABLE IF NOT EXISTS purge_receipts (
    receipt_id   text PRIMARY KEY,
    store        text NOT NULL,
    subject      text NOT NULL,
    reason       text NOT NULL,
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL,
    completed_at timestamptz NOT NULL,
    removed      integer NOT NULL CHECK (removed >= 0)
);
CREATE INDEX IF NOT EXISTS purge_receipts_subject ON purge_receipts (subject, completed_at);
"""


@dataclass(frozen=True)
class Receipt:
    """One purge of one store for one subject."""

    receipt_id: str
    store: str
    subject: str
    reason: str
    requested_by: str
    requested_at: datetime
    completed_at: datetime
    removed: int


def connect(dsn: str, schema: str) -> Connection:
    """An autocommit connection on the receipts schema (created and migrated on first use)."""
    return schema_connection(dsn, schema, ddl=DDL, lock_id=_LOCK_ID, setting="MCR_RECEIPTS_SCHEMA")


def record(conn: Connection, receipt: Receipt, *, schema: str | None = None) -> bool:
    """Store ``receipt`` unless one with its id is held (a replay); True when stored."""
    table = f"{quoted_schema(schema)}.purge_receipts" if schema else "purge_receipts"
    row = conn.execute(
        f"""INSERT INTO {table} (receipt_id, store, subject, reason, requested_by,
                                    requested_at, completed_at, removed)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (receipt_id) DO NOTHING RETURNING 1""",  # noqa: S608 (checked name)
        (receipt.receipt_id, receipt.store, receipt.subject, receipt.reason,
         receipt.requested_by, receipt.requested_at, receipt.completed_at, receipt.removed),
    ).fetchone()  # fmt: skip
    return row is not None


def for_subjects(conn: Connection, subjects: Iterable[str]) -> list[Receipt]:
    """Every receipt about any of ``subjects``, oldest first."""
    with conn.cursor(row_factory=class_row(Receipt)) as cursor:
        return cursor.execute(
            """SELECT receipt_id, store, subject, reason, requested_by, requested_at,
                      completed_at, removed
               FROM purge_receipts WHERE subject = ANY(%s)
               ORDER BY completed_at, receipt_id""",
            (sorted(set(subjects)),),
        ).fetchall()
