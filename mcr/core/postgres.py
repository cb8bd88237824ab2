"""Connections on one PostgreSQL schema, for every package that keeps tables of its own (the
MPI, the consent state, the audit log): the schema name is checked, the schema is created on
first use, and its DDL is applied under a transaction-level advisory lock, so several
processes starting at once migrate it once. Autocommit: callers open their own transactions.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any

import psycopg

__all__ = ["Connection", "apply_ddl", "quoted_schema", "schema_connection"]

Connection = psycopg.Connection[Any]
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def quoted_schema(schema: str, *, setting: str = "schema") -> str:
    """``schema`` quoted for SQL; ValueError naming ``setting`` unless it is a plain
    lower-case identifier (the only names we ever interpolate)."""
    if not _IDENTIFIER.fullmatch(schema):
        raise ValueError(f"{setting}: expected a lower-case SQL identifier")
    return f'"{schema}"'


def apply_ddl(conn: Connection, ddl: str, *, lock_id: int) -> None:
    """Apply idempotent ``ddl`` in the first schema of the search path, serialised across
    processes by the advisory lock ``lock_id``."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id,))
        conn.execute(ddl)  # our own DDL constants, never input


def schema_connection(
    dsn: str, schema: str, *, ddl: str, lock_id: int, setting: str = "schema"
) -> Connection:
    """An autocommit connection whose search path is ``schema``, created and migrated."""
    name = quoted_schema(schema, setting=setting)
    with psycopg.connect(dsn, autocommit=True) as admin:
        _create_schema(admin, schema, name)
    conn = psycopg.connect(dsn, autocommit=True, options=f"-c search_path={name}")
    try:
        apply_ddl(conn, ddl, lock_id=lock_id)
    except BaseException:
        conn.close()
        raise
    return conn


def _create_schema(admin: Connection, schema: str, name: str) -> None:
    """Create ``schema`` unless it exists. ``IF NOT EXISTS`` is not atomic: two processes
    creating it at the same moment (two stages on one schema starting together) can both pass
    the check, and the second fails on pg_namespace's unique index; it exists then, as wanted."""
    if admin.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone():
        return  # nothing to create (and a role that may create nothing is not refused)
    with suppress(psycopg.errors.UniqueViolation):  # made by another process just now
        admin.execute(f"CREATE SCHEMA IF NOT EXISTS {name}")
