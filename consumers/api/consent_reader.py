"""Reads consent at query time from the consent stage's tables. Thin I/O.

The rules that decide what a state allows live in ``streams.consent`` and are applied in
``access.py``; this module only fetches states and source-key owners.

It never creates or migrates anything. The consent stage owns the schema; a reader that
created it would turn a mistyped ``MCR_CONSENT_SCHEMA`` into an empty consent state, in which
nobody objects. So a connection is only used once the schema is known to hold the consent
tables (``preferences``, ``source_persons``). A missing schema or table, and any database
failure, is :class:`ConsentUnavailableError`: no state, no data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import psycopg

from consumers.api.errors import ConsentUnavailableError
from consumers.api.pools import open_pool
from mcr.core.postgres import Connection
from streams.consent import repository as consent_repository
from streams.consent.state import ConsentState

__all__ = ["CONSENT_TABLES", "ConsentReader", "check_tables"]

#: The consent stage's tables a read needs (``streams.consent.repository.DDL``).
CONSENT_TABLES = ("preferences", "source_persons")
_T = TypeVar("_T")


def check_tables(conn: Connection, schema: str) -> None:
    """Raise ConsentUnavailableError naming the consent tables ``schema`` lacks."""
    found = conn.execute(
        "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s AND tablename = ANY(%s)",
        (schema, list(CONSENT_TABLES)),
    ).fetchall()
    missing = sorted(set(CONSENT_TABLES) - {name for (name,) in found})
    if missing:
        raise ConsentUnavailableError(
            f"consent state: the consent schema has no table {', '.join(missing)}"
        )


class ConsentReader:
    """Consent states and source-key owners, from an existing consent schema, through a pool.

    The tables are checked on every read until they have been found once (so a schema that
    was wrong at start is used as soon as the consent stage creates it); after that a read
    that fails is a database failure like any other."""

    def __init__(self, dsn: str, schema: str, *, pool_size: int = 4) -> None:
        self._schema = schema
        self._pool = open_pool(dsn, schema, setting="MCR_CONSENT_SCHEMA", size=pool_size,
                               name="consent")  # fmt: skip
        self._tables_found = False

    def _read(self, reading: Callable[[Connection], _T]) -> _T:
        try:
            with self._pool.connection() as conn:
                if not self._tables_found:
                    check_tables(conn, self._schema)
                    self._tables_found = True
                return reading(conn)
        except psycopg.Error as exc:
            raise ConsentUnavailableError("consent state: PostgreSQL did not answer") from exc

    def states(self, person_ids: Iterable[str]) -> dict[str, ConsentState]:
        """The state of each person (an empty state when they have none).

        Raises ConsentUnavailableError when the consent tables cannot be read.
        """
        return self._read(lambda conn: consent_repository.states(conn, person_ids))

    def owners(self, source_keys: Iterable[str]) -> dict[str, str]:
        """The person each source key belongs to now, by the newest identity change (keys no
        change has named are absent).

        Raises ConsentUnavailableError when the consent tables cannot be read.
        """
        return self._read(lambda conn: consent_repository.persons_of(conn, source_keys))

    def source_keys(self, person_id: str) -> list[str]:
        """The source records that belong to ``person_id`` now (even those a purge removed
        from the index): where an organisation's own record of the person is found.

        Raises ConsentUnavailableError when the consent tables cannot be read.
        """
        return self._read(lambda conn: consent_repository.source_keys_of(conn, person_id))

    def close(self) -> None:
        self._pool.close()
