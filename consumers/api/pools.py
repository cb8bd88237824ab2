"""PostgreSQL connection pools for consent reads and audit writes. Thin I/O.

Each pool holds autocommit connections whose ``search_path`` is one schema. Request threads
borrow a connection for one short unit of work. A connection that has rested for
:data:`TRUSTED_FOR_S` or more is checked with a round trip on borrow, and replaced if it broke
(the server restarted); one returned more recently is lent without the check, which would
otherwise add a round trip to every borrow (several per request). A connection that breaks in
that short window fails its request, which answers 503, and is then discarded by the pool.
Waiting longer than ``timeout_s`` for a connection raises ``psycopg_pool.PoolTimeout`` (a
``psycopg.OperationalError``), which callers translate like any other database failure.
"""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from psycopg_pool import ConnectionPool

from mcr.core.postgres import quoted_schema

__all__ = ["TRUSTED_FOR_S", "Pool", "open_pool"]

Pool = ConnectionPool[psycopg.Connection[Any]]
TRUSTED_FOR_S = 5.0
_returned_at: WeakKeyDictionary[psycopg.Connection[Any], float] = WeakKeyDictionary()


def _note_return(conn: psycopg.Connection[Any]) -> None:
    _returned_at[conn] = time.monotonic()


def _check_if_rested(conn: psycopg.Connection[Any]) -> None:
    """The pool's check on borrow, skipped for a connection returned moments ago."""
    returned = _returned_at.get(conn)
    if returned is None or time.monotonic() - returned >= TRUSTED_FOR_S:
        ConnectionPool.check_connection(conn)


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
        check=_check_if_rested,
        reset=_note_return,
        timeout=timeout_s,
        name=name,
        open=False,
    )
    pool.open(wait=False)
    return pool
