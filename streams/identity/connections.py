"""Opening MPI connections: autocommit (functions open their own transactions), with the
``search_path`` set to the MPI schema, which is created on first use."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from streams.identity.repository import migrate

__all__ = ["connect", "throwaway_schema"]

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _quoted(schema: str) -> str:
    if not _IDENTIFIER.match(schema):
        raise ValueError("schema: expected a lower-case SQL identifier")
    return f'"{schema}"'


def connect(dsn: str, schema: str, *, create: bool = True) -> psycopg.Connection[Any]:
    """An autocommit connection using ``schema``; creates and migrates it when ``create``."""
    if create:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA IF NOT EXISTS {_quoted(schema)}")
    conn = psycopg.connect(dsn, autocommit=True, options=f"-c search_path={_quoted(schema)}")
    if create:
        migrate(conn)
    return conn


@contextmanager
def throwaway_schema(dsn: str, prefix: str = "mcr_linkeval") -> Iterator[psycopg.Connection[Any]]:
    """A connection on a fresh, migrated schema that is dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = connect(dsn, schema)
    try:
        yield conn
    finally:
        conn.close()
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {_quoted(schema)} CASCADE")
