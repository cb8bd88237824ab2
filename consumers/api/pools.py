"""PostgreSQL connection pools for consent reads and audit writes. Thin I/O.

Each pool holds autocommit connections whose ``search_path`` is one schema. Request threads
borrow a connection for one short unit of work; a connection that broke (the server restarted)
is found by the pool's check on borrow and replaced. Waiting longer than ``timeout_s`` for a
connection raises ``psycopg_pool.PoolTimeout`` (a ``psycopg.OperationalError``), which callers
translate like any other database failure.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from mcr.core.postgres import quoted_schema

__all__ = ["Pool", "open_pool"]

Pool = ConnectionPool[psycopg.Connection[Any]]


def open_pool(
    dsn: str, schema: str, *, setting: str, size: int, name: str, timeout_s: float = 5.0
) -> Pool:
    """An open pool of 1 to ``size`` connections on ``schema`` (``setting`` names the variable
    that chose the schema, for a refusal's message). Connections are made in the background:
    opening does not fail when PostgreSQL is down; borrowing does, after ``timeout_s``."""
    search_path = quoted_schema(schema, setting=setting)
    pool: Pool = ConnectionPool(
        dsn,
        min_size=1,
        max_size=max(size, 1),
        kwargs={"autocommit": True, "options": f"-c search_path={search_path}"},
        check=ConnectionPool.check_connection,
        timeout=timeout_s,
        name=name,
        open=False,
    )
    pool.open(wait=False)
    return pool
