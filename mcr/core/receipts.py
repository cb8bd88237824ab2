"""Purge receipts: what information governance can show about every purge. Thin I/O.

One table for every kind of purge (``subject_kind``: ``organisation`` for registry purges,
``person`` for the record projection's and the planning store's purges), in its own schema
(``MCR_RECEIPTS_SCHEMA``, default ``governance``). A receipt is written when the purge is
asked for (who asked, who ran it, why, when) and completed once the stores have obeyed it
(when, and how many items each store removed: ``{"record": 120}``). No PHI: the subject is
an ODS code or an internal person id, never a name or NHS number.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from mcr.core.errors import McrError
from mcr.core.postgres import quoted_schema, schema_connection

__all__ = [
    "DEFAULT_SCHEMA",
    "PurgeSubject",
    "Receipt",
    "ReceiptError",
    "StoreReceipt",
    "complete",
    "connect",
    "for_subjects",
    "list_receipts",
    "open_receipt",
    "record",
]

DEFAULT_SCHEMA = "governance"
_LOCK = 0x6D63_7272_6374  # "mcrrct": serialises migrations across processes
DDL = """
CREATE TABLE IF NOT EXISTS purge_receipts (
    receipt_id uuid PRIMARY KEY,
    command_id text NOT NULL UNIQUE,
    subject_kind text NOT NULL CHECK (subject_kind IN ('organisation', 'person')),
    subject text NOT NULL,
    reason text NOT NULL,
    requested_by text NOT NULL,
    operator text NOT NULL,
    requested_at timestamptz NOT NULL,
    completed_at timestamptz,
    stores jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS purge_receipts_subject ON purge_receipts (subject_kind, subject);
"""
_COLUMNS = (
    "receipt_id, command_id, subject_kind, subject, reason, requested_by, operator, "
    "requested_at, completed_at, stores"
)
_INSERT = f"""INSERT INTO purge_receipts ({_COLUMNS})
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, '{{}}'::jsonb) RETURNING {_COLUMNS}"""  # noqa: S608
_COMPLETE = f"""UPDATE purge_receipts SET completed_at = %s, stores = %s WHERE command_id = %s
    RETURNING {_COLUMNS}"""  # noqa: S608 (constant columns)
_SELECT = f"SELECT {_COLUMNS} FROM purge_receipts"  # noqa: S608 (constant columns)


class ReceiptError(McrError):
    """A receipt cannot be written or found."""


class PurgeSubject(StrEnum):
    """What a purge removed the data of."""

    ORGANISATION = "organisation"
    PERSON = "person"


@dataclass(frozen=True)
class Receipt:
    """One purge: asked for by ``requested_by`` (run by ``operator``), completed or not yet."""

    receipt_id: str
    command_id: str
    subject_kind: PurgeSubject
    subject: str
    reason: str
    requested_by: str
    operator: str
    requested_at: datetime
    completed_at: datetime | None = None
    stores: Mapping[str, int] = field(default_factory=dict)

    @property
    def completed(self) -> bool:
        """Whether every store has obeyed the purge."""
        return self.completed_at is not None


def connect(dsn: str, schema: str = DEFAULT_SCHEMA) -> psycopg.Connection[Any]:
    """An autocommit connection on the receipts ``schema``: created and migrated by a role
    that may (the operators'), found ready by a writer that may create nothing (the record
    projection's and the planning store's roles, granted by the stack's provisioning)."""
    try:
        return schema_connection(dsn, schema, ddl=DDL, lock_id=_LOCK, setting="MCR_RECEIPTS_SCHEMA")
    except psycopg.errors.InsufficientPrivilege:
        pass
    conn = psycopg.connect(dsn, autocommit=True, options=f"-c search_path={quoted_schema(schema)}")
    try:
        conn.execute("SELECT 1 FROM purge_receipts LIMIT 0")
    except psycopg.Error as exc:
        conn.close()
        raise ReceiptError(
            f"receipts schema {schema}: no purge_receipts table this role may use; the "
            "operators' role makes it (mcr stack up, or a deployment's migration)"
        ) from exc
    return conn


def _receipt(row: tuple[Any, ...]) -> Receipt:
    rid, command, kind, subject, reason, by, operator, at, done, stores = row
    return Receipt(str(rid), command, PurgeSubject(kind), subject, reason, by, operator, at,
                   done, {str(k): int(v) for k, v in stores.items()})  # fmt: skip


def open_receipt(
    conn: psycopg.Connection[Any],
    *,
    subject_kind: PurgeSubject,
    subject: str,
    reason: str,
    requested_by: str,
    operator: str,
    requested_at: datetime,
) -> Receipt:
    """A new receipt for a purge being asked for now, with a fresh command id."""
    receipt_id = str(uuid.uuid4())
    row = conn.execute(
        _INSERT,
        (receipt_id, receipt_id, subject_kind.value, subject, reason, requested_by, operator,
         requested_at),
    ).fetchone()  # fmt: skip
    assert row is not None  # INSERT ... RETURNING returns the row
    return _receipt(row)


def complete(
    conn: psycopg.Connection[Any], command_id: str, *, stores: Mapping[str, int], at: datetime
) -> Receipt:
    """Record that the stores obeyed the purge ``command_id`` (items removed per store)."""
    row = conn.execute(
        _COMPLETE,
        (at, Jsonb(dict(stores)), command_id),
    ).fetchone()
    if row is None:
        raise ReceiptError("command_id: no receipt for that purge")
    return _receipt(row)


def list_receipts(
    conn: psycopg.Connection[Any], *, subject_kind: PurgeSubject | None = None
) -> list[Receipt]:
    """Every receipt (of ``subject_kind`` when given), newest first."""
    where, args = ("WHERE subject_kind = %s", (subject_kind.value,)) if subject_kind else ("", ())
    rows = conn.execute(
        f"{_SELECT} {where} ORDER BY requested_at DESC",
        args,
    ).fetchall()
    return [_receipt(row) for row in rows]


@dataclass(frozen=True)
class StoreReceipt:
    """One completed purge of one store for one person (the record projection, the planning
    store). ``receipt_id`` is the command id and the store, so a replay keeps the first receipt;
    ``subject`` is the person id (record) or the person's pseudonym (planning), never PHI."""

    receipt_id: str
    store: str
    subject: str
    reason: str
    requested_by: str
    requested_at: datetime
    completed_at: datetime
    removed: int


# A store's purge is asked for and done in one step: stored complete, as subject_kind person,
# ``stores`` naming the one store. The store ran it, so it is the operator.
_RECORD = f"""INSERT INTO {{table}} ({_COLUMNS})
    VALUES (%s, %s, 'person', %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (command_id) DO NOTHING RETURNING 1"""  # noqa: S608 (constant columns)


def record(
    conn: psycopg.Connection[Any], receipt: StoreReceipt, *, schema: str | None = None
) -> bool:
    """Store ``receipt`` unless one with its id is held (a replay); True when stored. ``schema``
    qualifies the table when ``conn`` is another store's (one transaction with its purge)."""
    table = f"{quoted_schema(schema)}.purge_receipts" if schema else "purge_receipts"
    row = conn.execute(
        _RECORD.format(table=table),
        (str(uuid.uuid5(uuid.NAMESPACE_URL, f"mcr-receipt:{receipt.receipt_id}")),
         receipt.receipt_id, receipt.subject, receipt.reason, receipt.requested_by,
         receipt.store, receipt.requested_at, receipt.completed_at,
         Jsonb({receipt.store: receipt.removed})),
    ).fetchone()  # fmt: skip
    return row is not None


def for_subjects(conn: psycopg.Connection[Any], subjects: Iterable[str]) -> list[StoreReceipt]:
    """Every completed person receipt about any of ``subjects``, oldest first (one per store)."""
    rows = conn.execute(
        f"""{_SELECT} WHERE subject_kind = 'person' AND subject = ANY(%s)
            AND completed_at IS NOT NULL ORDER BY completed_at, command_id""",
        (sorted(set(subjects)),),
    ).fetchall()
    found = []
    for row in rows:
        receipt = _receipt(row)
        assert receipt.completed_at is not None  # selected above
        for store, removed in receipt.stores.items():
            found.append(StoreReceipt(receipt.command_id, store, receipt.subject, receipt.reason,
                                      receipt.requested_by, receipt.requested_at,
                                      receipt.completed_at, removed))  # fmt: skip
    return found
