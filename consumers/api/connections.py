"""One PostgreSQL connection shared by the request threads, one at a time. Thin I/O.

Consent lookups and audit writes are single short statements, so one connection per purpose,
taken in turn, keeps the service simple; more capacity means more service processes. A
connection that broke (the server restarted) is opened again on next use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

__all__ = ["Connection", "SharedConnection"]

Connection = psycopg.Connection[Any]


class SharedConnection:
    """A lazily opened connection handed to one caller at a time."""

    def __init__(self, opener: Callable[[], Connection]) -> None:
        self._opener = opener
        self._lock = threading.Lock()
        self._conn: Connection | None = None

    @contextmanager
    def use(self) -> Iterator[Connection]:
        """The connection, open and healthy, held for the block (psycopg errors propagate)."""
        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = self._opener()
            yield self._conn

    def close(self) -> None:
        """Close the connection if it is open."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
