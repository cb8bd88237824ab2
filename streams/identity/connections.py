"""Opening MPI connections: autocommit (functions open their own transactions), with the
``search_path`` set to the MPI schema, which is created on first use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from mcr.core.postgres import quoted_schema, schema_connection
from streams.identity.schema_sql import DDL, MIGRATION_LOCK

__all__ = ["connect", "throwaway_schema"]


def connect(dsn: str, schema: str, *, create: bool = True) -> psycopg.Connection[Any]:
    """An autocommit connection using ``schema``; creates and migrates it when ``create``."""
    if create:
        return schema_connection(dsn, schema, ddl=DDL, lock_id=MIGRATION_LOCK)
    options = f"-c search_path={quoted_schema(schema)}"
    return psycopg.connect(dsn, autocommit=True, options=options)


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
            admin.execute(f"DROP SCHEMA IF EXISTS {quoted_schema(schema)} CASCADE")
