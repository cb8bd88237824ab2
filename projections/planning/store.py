"""Writing to the planning store: de-identified events, opt-outs (with receipts), opt-ins and
moves, applied in order within one transaction per batch. Idempotent: an item is upserted by
its pseudonym when its version is at least the one held; an opt-out, opt-in or move applied
twice leaves the same state (and the first receipt)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mcr.core import receipts
from mcr.core.postgres import Connection, schema_connection
from projections.planning.schema_sql import DDL
from schemas.planning import PlanningMove, PlanningOptIn, PlanningOptOut

__all__ = ["STORE", "apply_move", "apply_opt_in", "apply_opt_out", "connect", "upsert_fact"]

STORE = "planning"
_LOCK_ID = 0x6D63_706C_616E  # "mcplan"
_COLUMNS = ("item", "pseudonym", "source", "key_id", "version", "deleted", "event_type",
            "iso_week", "org", "org_kind", "age_band", "sex", "district", "service",
            "encounter_class", "test", "medicine_class", "active")  # fmt: skip
_UPSERT = f"""
INSERT INTO facts ({", ".join(_COLUMNS)})
SELECT {", ".join(f"%({c})s" for c in _COLUMNS)}
WHERE NOT EXISTS (
    SELECT 1 FROM opted_out x
    WHERE x.pseudonym = %(pseudonym)s
       OR x.pseudonym = (SELECT o.pseudonym FROM owners o WHERE o.source = %(source)s))
ON CONFLICT (item) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:])}
WHERE facts.version <= EXCLUDED.version
"""  # noqa: S608 (column names are constants)
_REMOVE = """
DELETE FROM facts f
WHERE (f.pseudonym = ANY(%(names)s)
       OR f.source IN (SELECT source FROM owners WHERE pseudonym = ANY(%(names)s)))
  AND COALESCE((SELECT o.pseudonym FROM owners o WHERE o.source = f.source), f.pseudonym)
      = ANY(%(names)s)
"""


def connect(dsn: str, schema: str) -> Connection:
    """An autocommit connection on the store's schema (created and migrated on first use)."""
    return schema_connection(dsn, schema, ddl=DDL, lock_id=_LOCK_ID, setting="MCR_PLANNING_SCHEMA")


def upsert_fact(conn: Connection, fact: dict[str, Any]) -> None:
    """Store a planning event (unless an newer version of the item is held, or its person
    has opted out)."""
    conn.execute(_UPSERT, {c: fact.get(c) for c in _COLUMNS})


def apply_opt_out(conn: Connection, command: PlanningOptOut, *, receipts_schema: str) -> int:
    """Remove and keep out the contribution of the command's pseudonyms; store the receipt.
    Returns how many items were removed."""
    names = list(command.pseudonyms)
    conn.execute(
        """INSERT INTO opted_out (pseudonym, since) SELECT unnest(%s::text[]), %s
           ON CONFLICT (pseudonym) DO NOTHING""",
        (names, command.requested_at),
    )
    removed = conn.execute(_REMOVE, {"names": names}).rowcount
    receipt = receipts.StoreReceipt(
        f"{command.command_id}:{STORE}", STORE, names[0], command.reason, command.requested_by,
        command.requested_at, datetime.now(UTC), max(removed, 0),
    )  # fmt: skip
    receipts.record(conn, receipt, schema=receipts_schema)
    return max(removed, 0)


def apply_opt_in(conn: Connection, command: PlanningOptIn) -> None:
    """The opt-out was withdrawn: new contributions of these pseudonyms count again."""
    conn.execute("DELETE FROM opted_out WHERE pseudonym = ANY(%s)", (list(command.pseudonyms),))


def apply_move(conn: Connection, command: PlanningMove) -> int:
    """The sources belong to the command's person (newest change wins); their items go if
    that person has opted out. Returns how many items that removed."""
    conn.execute(
        """INSERT INTO owners (source, pseudonym, changed_at)
           SELECT unnest(%s::text[]), %s, %s
           ON CONFLICT (source) DO UPDATE SET
               pseudonym = EXCLUDED.pseudonym, changed_at = EXCLUDED.changed_at
           WHERE owners.changed_at <= EXCLUDED.changed_at""",
        (list(command.sources), command.pseudonym, command.changed_at),
    )
    found = conn.execute(
        "SELECT 1 FROM opted_out WHERE pseudonym = %s", (command.pseudonym,)
    ).fetchone()
    if found is None:
        return 0
    return max(conn.execute(_REMOVE, {"names": [command.pseudonym]}).rowcount, 0)
