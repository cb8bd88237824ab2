"""The organisations the public pages list, read from the registry and kept for a short while.

Anonymous readers must not be able to make the database work per request, so the list is read
at most once every ``ttl_s`` seconds (30 by default: a registry change shows within that).
A database that cannot be read answers 503 (ServiceUnavailableError) unless a list read
earlier is at hand, which is then served as it was.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import psycopg

from consumers.api.errors import ServiceUnavailableError
from mcr.core import org_registry
from mcr.core.logging import get_logger
from mcr.core.postgres import quoted_schema
from schemas.organisations import Organisation

__all__ = ["OrganisationDirectory", "RegistryDirectory", "names_of"]

log = get_logger(__name__)


class OrganisationDirectory(Protocol):
    """Where the public pages read the registered organisations from."""

    def organisations(self) -> Sequence[Organisation]: ...


class RegistryDirectory:
    """The registry in PostgreSQL (``schema``), cached for ``ttl_s`` seconds."""

    def __init__(self, dsn: str, schema: str, *, ttl_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self._dsn, self._schema, self._ttl_s, self._clock = dsn, schema, ttl_s, clock
        self._lock = threading.Lock()
        self._cached: tuple[float, list[Organisation]] | None = None

    def organisations(self) -> Sequence[Organisation]:
        """The registered organisations (at most ``ttl_s`` old)."""
        with self._lock:
            now = self._clock()
            if self._cached is not None and now - self._cached[0] < self._ttl_s:
                return self._cached[1]
            try:
                # Read only: the service never creates or migrates the registry.
                options = f"-c search_path={quoted_schema(self._schema)}"
                with psycopg.connect(self._dsn, options=options, connect_timeout=5) as conn:
                    found = org_registry.list_all(conn)
            except psycopg.Error as exc:
                log.warning("registry unavailable", error_type=type(exc).__name__)
                if self._cached is not None:
                    return self._cached[1]
                raise ServiceUnavailableError("organisation registry unavailable") from exc
            self._cached = (now, found)
            return found


def names_of(directory: OrganisationDirectory | None) -> dict[str, str]:
    """ODS code -> name of every registered organisation; empty without a directory or when
    the registry cannot be read (a name is a courtesy: a clinical read does not fail for want
    of one)."""
    if directory is None:
        return {}
    try:
        return {org.ods_code: org.name for org in directory.organisations()}
    except ServiceUnavailableError:
        return {}
