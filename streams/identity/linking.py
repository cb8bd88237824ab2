"""Attach a source record to a person, or move a linked one to another, with everything that
must happen in the same transaction: the link and its history, releasing held events, and the
identity change."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from schemas.events import PersonId, source_key
from streams.identity import outbox, repository
from streams.identity.changes import ChangeKind, identity_change
from streams.identity.demographics import Demographics

__all__ = ["attach", "attach_new_person", "relink"]

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


def relink(
    conn: Connection,
    org: str,
    local_id: str,
    person_id: PersonId,
    *,
    previous: PersonId,
    rule: str,
    score: float | None,
    evidence: dict[str, Any],
) -> dict[str, Any]:
    """Move one linked record from ``previous`` to ``person_id`` (a person decided it); the LINK
    change names ``previous`` so projections move the record's documents."""
    change = identity_change(
        ChangeKind.LINK,
        person_id,
        previous_person_id=previous,
        source_keys=[source_key(org, local_id)],
        rule=rule,
        score=score,
    )
    conn.execute(
        "UPDATE source_records SET person_id = %s, rule = %s, score = %s, evidence = %s "
        "WHERE org = %s AND local_id = %s",
        (person_id, rule, score, Jsonb(evidence), org, local_id),
    )
    repository.record_history(
        conn,
        org=org,
        local_id=local_id,
        person_id=person_id,
        previous_person_id=previous,
        action="relink",
        rule=rule,
        score=score,
        evidence=evidence,
    )
    outbox.add_changes(conn, [change])
    return change
