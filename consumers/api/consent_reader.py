"""Reads consent states at query time from the consent stage's tables. Thin I/O.

The rules that decide what a state allows live in ``streams.consent`` and are applied in
``access.py``; this module only fetches states, and turns any database failure into
:class:`ConsentUnavailableError` (no state, no data).
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg

from consumers.api.connections import SharedConnection
from consumers.api.errors import ConsentUnavailableError
from streams.consent import repository as consent_repository
from streams.consent.state import ConsentState

__all__ = ["ConsentReader"]


class ConsentReader:
    """Consent states of persons, from the consent schema (created if it does not exist)."""

    def __init__(self, dsn: str, schema: str) -> None:
        self._shared = SharedConnection(lambda: consent_repository.connect(dsn, schema))

    def states(self, person_ids: Iterable[str]) -> dict[str, ConsentState]:
        """The state of each person (an empty state when they have none).

        Raises ConsentUnavailableError when PostgreSQL cannot answer.
        """
        try:
            with self._shared.use() as conn:
                return consent_repository.states(conn, person_ids)
        except psycopg.Error as exc:
            raise ConsentUnavailableError("consent state: PostgreSQL did not answer") from exc

    def close(self) -> None:
        self._shared.close()
