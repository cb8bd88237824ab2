"""Attach a source record to a person, with everything that must happen in the same
transaction: the link and its history, releasing held events, and the identity change."""

from __future__ import annotations

from typing import Any

import psycopg

from schemas.events import PersonId
from streams.identity import outbox, repository
from streams.identity.changes import ChangeKind, identity_change
from streams.identity.demographics import Demographics

__all__ = ["attach", "attach_new_person"]

Connection = psycopg.Connection[Any]


def attach(
    conn: Connection,
    record: Demographics,
    person_id: PersonId,
    *,
    rule: str,
    score: float | None,
    evidence: dict[str, Any],
    kind: ChangeKind = ChangeKind.LINK,
) -> dict[str, Any]:
    """Link ``record`` to ``person_id``, release its held events, queue and return the change.

    The writes go out in one pipeline (one round trip to PostgreSQL, not one per statement);
    they are still inside the caller's transaction, and any error is raised here."""
    change = identity_change(
        kind, person_id, source_keys=[record.source_key], rule=rule, score=score
    )
    with conn.pipeline():
        repository.link(conn, record, person_id, rule=rule, score=score, evidence=evidence)
        outbox.release(conn, record.org, record.local_id, person_id)
        outbox.add_changes(conn, [change])
    return change


def attach_new_person(
    conn: Connection,
    record: Demographics,
    *,
    rule: str,
    score: float | None,
    evidence: dict[str, Any],
) -> dict[str, Any]:
    """Create a person for ``record`` and attach it (a NEW_PERSON change)."""
    with conn.pipeline():
        person_id = repository.create_person(conn)
        return attach(
            conn,
            record,
            person_id,
            rule=rule,
            score=score,
            evidence=evidence,
            kind=ChangeKind.NEW_PERSON,
        )
