"""Running a stream stage's synchronous psycopg work from its faust agents.

A stage's :class:`StageDatabase` opens its connection pool on first use (so importing an agents
module needs no database), runs work in a worker thread with a pooled connection (psycopg is
synchronous; faust's event loop must not block), and retries work while the database is
unavailable, with capped exponential backoff: a stage waits rather than skip events.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool

from mcr.core.logging import get_logger

__all__ = ["MAX_RETRY_S", "RETRYABLE", "StageDatabase"]

log = get_logger(__name__)
T = TypeVar("T")
MAX_RETRY_S = 30.0
RETRYABLE = (psycopg.OperationalError, psycopg.InterfaceError)
"""Database errors that say nothing about the events (lost connection, deadlock, timeout):
the whole batch is retried."""


class StageDatabase:
    """The pool of one stage: ``prepare`` runs once before the pool opens (create and migrate
    the schema); connections are autocommit with ``search_path`` set to ``schema``."""

    def __init__(
        self, stage: str, *, dsn: str, schema: str, prepare: Callable[[], None] | None = None
    ) -> None:
        self.stage = stage
        self._dsn, self._schema, self._prepare = dsn, schema, prepare
        self._pool: ConnectionPool[Any] | None = None
        # Held while the pool is opened or closed: a shutdown's close must not miss a pool that
        # a worker thread is still opening (reentrant: open closes the old pool first).
        self._opening = threading.RLock()

    def reconfigure(
        self, *, dsn: str, schema: str, prepare: Callable[[], None] | None = None
    ) -> None:
        """Point the stage at another database or schema (closes the current pool)."""
        with self._opening:
            self.close()
            self._dsn, self._schema, self._prepare = dsn, schema, prepare

    @property
    def pool(self) -> ConnectionPool[Any] | None:
        """The open pool, if any (for tests and shutdown checks)."""
        return self._pool

    def open(self) -> None:
        """(Re)open the pool, preparing the schema first."""
        with self._opening:
            self.close()
            if self._prepare is not None:
                self._prepare()
            self._pool = ConnectionPool(
                self._dsn,
                min_size=1,
                max_size=4,
                open=True,
                kwargs={"autocommit": True, "options": f'-c search_path="{self._schema}"'},
            )

    def close(self) -> None:
        """Close the pool (waiting a few seconds for connections in use); the next call opens
        a new one."""
        with self._opening:
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.close()

    def _opened(self) -> ConnectionPool[Any]:
        with self._opening:  # one opening at a time: two agents of a process may ask at once
            if self._pool is None:
                self.open()
            assert self._pool is not None
            return self._pool

    async def run(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        """``work(conn, **kwargs)`` in a worker thread with a pooled connection (the pool is
        opened there too on first use: preparing the schema may wait on another process's
        migration, and faust's event loop must keep beating meanwhile)."""

        def in_thread() -> T:
            with self._opened().connection() as conn:
                return work(conn, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(None, in_thread)

    async def run_retrying(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        """:meth:`run`, retried while the database is unavailable."""
        return await self.retrying(lambda: self.run(work, **kwargs))

    async def retrying(self, work: Callable[[], Awaitable[T]]) -> T:
        """``await work()``, retried while the database is unavailable."""
        attempt = 0
        while True:
            try:
                return await work()
            except RETRYABLE as exc:
                attempt += 1
                log.warning(
                    "stage database unavailable",
                    stage=self.stage,
                    attempt=attempt,
                    error=type(exc).__name__,
                )
                await asyncio.sleep(min(MAX_RETRY_S, 0.2 * 2**attempt))
