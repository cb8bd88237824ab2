"""The service's pools on a real PostgreSQL: a rested connection that broke is replaced on
borrow; a connection returned moments ago is lent without a round trip."""

from __future__ import annotations

import psycopg
import pytest

from consumers.api import pools


def _terminate(dsn: str, pid: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _borrowed_pid(pool: pools.Pool) -> int:
    with pool.connection() as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        return int(row[0])


def test_a_rested_broken_connection_is_replaced(stack, monkeypatch: pytest.MonkeyPatch) -> None:
    pool = pools.open_pool(stack.postgres_dsn, "public", setting="T", size=1, name="t-rested")
    try:
        pool.wait()
        first = _borrowed_pid(pool)
        _terminate(stack.postgres_dsn, first)
        monkeypatch.setattr(pools, "TRUSTED_FOR_S", 0.0)  # every connection counts as rested
        assert _borrowed_pid(pool) != first
    finally:
        pool.close()


def test_a_fresh_connection_is_lent_without_a_check(stack) -> None:
    pool = pools.open_pool(stack.postgres_dsn, "public", setting="T", size=1, name="t-fresh")
    try:
        pool.wait()
        first = _borrowed_pid(pool)
        _terminate(stack.postgres_dsn, first)
        # Not checked, so the broken connection is lent and its query fails ...
        with pytest.raises(psycopg.OperationalError):
            _borrowed_pid(pool)
        # ... after which the pool has discarded it and lends a new one.
        assert _borrowed_pid(pool) != first
    finally:
        pool.close()
