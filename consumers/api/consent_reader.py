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

from collections.abc import Iterable

import psycopg

from consumers.api.connections import Connection, SharedConnection
from consumers.api.errors import ConsentUnavailableError
from mcr.core.postgres import quoted_schema
from streams.consent import repository as consent_repository
from streams.consent.state import ConsentState

__all__ = ["CONSENT_TABLES", "ConsentReader", "open_consent"]

#: The consent stage's tables a read needs (``streams.consent.repository.DDL``).
CONSENT_TABLES = ("preferences", "source_persons")


def open_consent(dsn: str, schema: str) -> Connection:
    """An autocommit connection on ``schema``, which must already hold the consent tables.

    Creates nothing. Raises ConsentUnavailableError when a table is missing (a wrong schema
    name, or the consent stage has not run) and psycopg.Error when PostgreSQL cannot answer.
    """
    name = quoted_schema(schema, setting="MCR_CONSENT_SCHEMA")
    conn = psycopg.connect(dsn, autocommit=True, options=f"-c search_path={name}")
    try:
        found = conn.execute(
            "SELECT tablename FROM pg_catalog.pg_tables"
            " WHERE schemaname = %s AND tablename = ANY(%s)",
            (schema, list(CONSENT_TABLES)),
        ).fetchall()
    except BaseException:
        conn.close()
        raise
    missing = sorted(set(CONSENT_TABLES) - {name for (name,) in found})
    if missing:
        conn.close()
        raise ConsentUnavailableError(
            f"consent state: the consent schema has no table {', '.join(missing)}"
        )
    return conn


class ConsentReader:
    """Consent states and source-key owners, from an existing consent schema."""

    def __init__(self, dsn: str, schema: str) -> None:
        self._shared = SharedConnection(lambda: open_consent(dsn, schema))

    def states(self, person_ids: Iterable[str]) -> dict[str, ConsentState]:
        """The state of each person (an empty state when they have none).

        Raises ConsentUnavailableError when the consent tables cannot be read.
        """
        try:
            with self._shared.use() as conn:
                return consent_repository.states(conn, person_ids)
        except psycopg.Error as exc:
            raise ConsentUnavailableError("consent state: PostgreSQL did not answer") from exc

    def owners(self, source_keys: Iterable[str]) -> dict[str, str]:
        """The person each source key belongs to now, by the newest identity change (keys no
        change has named are absent).

        Raises ConsentUnavailableError when the consent tables cannot be read.
        """
        try:
            with self._shared.use() as conn:
                return consent_repository.persons_of(conn, source_keys)
        except psycopg.Error as exc:
            raise ConsentUnavailableError("consent state: PostgreSQL did not answer") from exc

    def close(self) -> None:
        self._shared.close()
