"""What the service needs beyond reading the record to decide who may see what, and to act on
it: the access policy, the break-glass store and the IG reports (through the audit log's
insert-only role), and where recorded objections go. One value on ``app.state``; the routes
take it with :func:`governance`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import psycopg
from fastapi import Request

from consumers.api.audit import AuditLog
from consumers.api.authz import (
    AccessEvent,
    AccessPolicy,
    BreakGlass,
    BreakGlassReview,
    access_report,
    active_break_glass,
    break_glass_report,
    open_break_glass,
)
from consumers.api.errors import AuditError
from mcr.core.postgres import Connection
from schemas.events import SourceEvent

__all__ = ["CareStore", "Governance", "ObjectionSink", "WriterCareStore", "governance"]

_T = TypeVar("_T")


class CareStore(Protocol):
    """Break-glass openings and the information-governance reports."""

    def active(self, user_id: str, person_id: str, now: datetime) -> BreakGlass | None: ...
    def open(self, grant: BreakGlass) -> BreakGlass: ...
    def access_report(
        self, person_id: str, since: datetime | None, until: datetime | None
    ) -> list[AccessEvent]: ...
    def break_glass_review(
        self, since: datetime | None, until: datetime | None
    ) -> list[BreakGlassReview]: ...


class ObjectionSink(Protocol):
    """Where recorded objections go (``objections.ObjectionPublisher``)."""

    def publish(self, event: SourceEvent) -> bool: ...


@dataclass(frozen=True)
class Governance:
    """The policy, the store, the objection sink, and the time windows."""

    policy: AccessPolicy
    store: CareStore
    objections: ObjectionSink
    relationship_window: timedelta
    break_glass_duration: timedelta


def governance(request: Request) -> Governance:
    """The application's governance (set by ``create_app``)."""
    found: Governance = request.app.state.governance
    return found


class WriterCareStore:
    """The store on the audit log's insert-only connection. PostgreSQL failures become
    AuditError (503, no data): a break-glass that cannot be recorded does not open."""

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    def _run(self, action: Callable[[Connection], _T]) -> _T:
        try:
            with self._audit.writer() as conn:
                return action(conn)
        except psycopg.Error as exc:
            raise AuditError("break-glass and access records: unavailable") from exc

    def active(self, user_id: str, person_id: str, now: datetime) -> BreakGlass | None:
        return self._run(lambda conn: active_break_glass(conn, user_id, person_id, now))

    def open(self, grant: BreakGlass) -> BreakGlass:
        return self._run(lambda conn: open_break_glass(conn, grant))

    def access_report(
        self, person_id: str, since: datetime | None, until: datetime | None
    ) -> list[AccessEvent]:
        return self._run(lambda conn: access_report(conn, person_id, since=since, until=until))

    def break_glass_review(
        self, since: datetime | None, until: datetime | None
    ) -> list[BreakGlassReview]:
        return self._run(lambda conn: break_glass_report(conn, since=since, until=until))
