"""The master patient index in PostgreSQL (psycopg 3): persons, linked source records with
their demographics and blocking keys, and the append-only link history.

Every function takes a connection whose ``search_path`` names the MPI schema, so tests and
link-eval use a fresh schema. Functions that must be atomic with others run inside the
caller's ``conn.transaction()``. :func:`migrate` creates everything idempotently.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from mcr.core.postgres import apply_ddl
from schemas.events import PersonId, SourceKey, source_key
from streams.identity.blocking import blocking_keys, lock_ids
from streams.identity.demographics import Demographics, from_json
from streams.identity.errors import UnknownPersonError
from streams.identity.matcher import CandidatePerson
from streams.identity.normalise import profile
from streams.identity.schema_sql import DDL, MIGRATION_LOCK

__all__ = [
    "CANDIDATES_SQL",
    "LINK_OF_SQL",
    "LOCK_SQL",
    "PER_KEY_LIMIT",
    "active_person",
    "candidates",
    "candidates_from_rows",
    "create_person",
    "history",
    "link",
    "link_from_row",
    "link_of",
    "links_of",
    "lock",
    "lock_persons",
    "migrate",
    "record_history",
    "survivor_of",
    "update_demographics",
]

PER_KEY_LIMIT = 200
"""At most this many stored records are read per blocking key (bounds a huge block)."""

Connection = psycopg.Connection[Any]


def migrate(conn: Connection) -> None:
    """Create the MPI tables in the first schema of the search path (safe to run again, and
    from several workers at once: a transaction-level advisory lock serialises them)."""
    apply_ddl(conn, DDL, lock_id=MIGRATION_LOCK)


LOCK_SQL = "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k"
LINK_OF_SQL = "SELECT person_id, demographics FROM source_records WHERE org = %s AND local_id = %s"


def lock(conn: Connection, keys: list[str]) -> None:
    """Take transaction-level advisory locks on ``keys`` (in one global order)."""
    conn.execute(LOCK_SQL, (lock_ids(keys),))


def link_of(conn: Connection, org: str, local_id: str) -> tuple[PersonId, Demographics] | None:
    """The person a source record is linked to, with its stored demographics, or None."""
    return link_from_row(conn.execute(LINK_OF_SQL, (org, local_id)).fetchone())


def link_from_row(row: tuple[Any, ...] | None) -> tuple[PersonId, Demographics] | None:
    """:func:`link_of`'s answer from its row (the resolver sends the query in a pipeline)."""
    return (PersonId(row[0]), from_json(row[1])) if row else None


def links_of(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[SourceKey, tuple[PersonId, Demographics]]:
    """:func:`link_of` for many ``(org, local id)`` pairs in one indexed query (the primary
    key); unknown records are absent from the result."""
    pairs = sorted(set(keys))
    if not pairs:
        return {}
    rows = conn.execute(
        """SELECT s.org, s.local_id, s.person_id, s.demographics
           FROM unnest(%s::text[], %s::text[]) AS k(org, local_id)
           JOIN source_records s ON s.org = k.org AND s.local_id = k.local_id""",
        ([org for org, _ in pairs], [local for _, local in pairs]),
    ).fetchall()
    return {
        source_key(org, local_id): (PersonId(person_id), from_json(demographics))
        for org, local_id, person_id, demographics in rows
    }


def active_person(conn: Connection, person_id: str) -> PersonId:
    """The person now holding ``person_id``'s records (follows merges); raises
    UnknownPersonError for an id the MPI has never had.

    Call it inside the transaction that links to the answer: each person row read is locked
    FOR SHARE, so a concurrent merge (which locks both persons FOR UPDATE) either finished
    first, and is followed, or waits until this transaction's link is committed and then
    moves the new record with the rest."""
    current = person_id
    for _ in range(100):
        row = conn.execute(
            "SELECT merged_into FROM persons WHERE person_id = %s FOR SHARE", (current,)
        ).fetchone()
        if row is None:
            raise UnknownPersonError(f"person_id {person_id}: not in the MPI")
        if row[0] is None:
            return PersonId(current)
        current = row[0]
    raise UnknownPersonError(f"person_id {person_id}: merge chain does not end")


def survivor_of(conn: Connection, person_id: str) -> str:
    """The person now holding ``person_id``'s records, read without locks (to know what to
    lock; :func:`active_person` confirms it under the locks)."""
    current = person_id
    for _ in range(100):
        row = conn.execute(
            "SELECT merged_into FROM persons WHERE person_id = %s", (current,)
        ).fetchone()
        if row is None or row[0] is None:
            return current
        current = row[0]
    return current


def lock_persons(conn: Connection, *person_ids: str) -> dict[str, str | None]:
    """Lock the persons' rows FOR UPDATE (in id order, so two callers never deadlock); returns
    each found person's ``merged_into``."""
    rows = conn.execute(
        "SELECT person_id, merged_into FROM persons WHERE person_id = ANY(%s) "
        "ORDER BY person_id FOR UPDATE",
        (list(person_ids),),
    ).fetchall()
    return {row[0]: row[1] for row in rows}


def candidates(conn: Connection, keys: tuple[str, ...]) -> list[CandidatePerson]:
    """Persons holding a record that shares a blocking key (indexed lookups, bounded per key)."""
    if not keys:
        return []
    return candidates_from_rows(conn.execute(CANDIDATES_SQL, (list(keys), PER_KEY_LIMIT)))


CANDIDATES_SQL = """SELECT s.person_id, s.demographics FROM source_records s WHERE s.person_id IN (
         SELECT r.person_id FROM unnest(%s::text[]) AS k(key)
         CROSS JOIN LATERAL (SELECT b.org, b.local_id FROM blocking_keys b
                             WHERE b.key = k.key LIMIT %s) AS hit
         JOIN source_records r ON r.org = hit.org AND r.local_id = hit.local_id)
       ORDER BY s.person_id, s.org, s.local_id"""


def candidates_from_rows(rows: Iterable[tuple[Any, ...]]) -> list[CandidatePerson]:
    """:func:`candidates`' persons from its rows (the resolver sends the query in a pipeline)."""
    grouped: dict[str, list[Demographics]] = defaultdict(list)
    for person_id, demographics in rows:
        grouped[person_id].append(from_json(demographics))
    return [CandidatePerson(PersonId(p), tuple(r)) for p, r in grouped.items()]


def create_person(conn: Connection) -> PersonId:
    """A new, empty person."""
    person_id = PersonId(str(uuid.uuid4()))
    conn.execute("INSERT INTO persons (person_id) VALUES (%s)", (person_id,))
    return person_id


def _write_blocking(conn: Connection, record: Demographics, *, replace: bool) -> None:
    if replace:
        conn.execute(
            "DELETE FROM blocking_keys WHERE org = %s AND local_id = %s",
            (record.org, record.local_id),
        )
    keys = blocking_keys(profile(record))
    if keys:
        conn.execute(
            "INSERT INTO blocking_keys (key, org, local_id) "
            "SELECT k, %s, %s FROM unnest(%s::text[]) k",
            (record.org, record.local_id, list(keys)),
        )


def record_history(
    conn: Connection,
    *,
    org: str,
    local_id: str,
    person_id: str | None,
    previous_person_id: str | None,
    action: str,
    rule: str,
    score: float | None = None,
    evidence: dict[str, Any] | None = None,
    merge_id: int | None = None,
) -> None:
    """Append one row to the immutable link history."""
    conn.execute(
        """INSERT INTO link_history (org, local_id, person_id, previous_person_id, action, rule,
                                     score, evidence, merge_id)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            org,
            local_id,
            person_id,
            previous_person_id,
            action,
            rule,
            score,
            Jsonb(evidence) if evidence is not None else None,
            merge_id,
        ),
    )


def link(
    conn: Connection,
    record: Demographics,
    person_id: PersonId,
    *,
    rule: str,
    score: float | None,
    evidence: dict[str, Any],
) -> None:
    """Link a new source record to a person: the link, its blocking keys, a history row."""
    conn.execute(
        """INSERT INTO source_records
               (org, local_id, person_id, demographics, rule, score, evidence)
           VALUES (%s, %s, %s, %s, %s, %s, %s)""",
        (
            record.org,
            record.local_id,
            person_id,
            Jsonb(record.to_json()),
            rule,
            score,
            Jsonb(evidence),
        ),
    )
    _write_blocking(conn, record, replace=False)  # a new record has no keys yet
    record_history(
        conn,
        org=record.org,
        local_id=record.local_id,
        person_id=person_id,
        previous_person_id=None,
        action="link",
        rule=rule,
        score=score,
        evidence=evidence,
    )


def update_demographics(conn: Connection, record: Demographics) -> None:
    """Store a linked record's new demographics and re-key its blocking (no re-scoring)."""
    conn.execute(
        "UPDATE source_records SET demographics = %s WHERE org = %s AND local_id = %s",
        (Jsonb(record.to_json()), record.org, record.local_id),
    )
    _write_blocking(conn, record, replace=True)


def history(conn: Connection, org: str, local_id: str) -> list[dict[str, Any]]:
    """The link history of one source record, oldest first (ids, rules and scores only)."""
    rows = conn.execute(
        """SELECT action, rule, person_id, previous_person_id, score, merge_id, recorded_at
           FROM link_history WHERE org = %s AND local_id = %s ORDER BY history_id""",
        (org, local_id),
    ).fetchall()
    names = (
        "action",
        "rule",
        "person_id",
        "previous_person_id",
        "score",
        "merge_id",
        "recorded_at",
    )
    return [dict(zip(names, row, strict=True)) for row in rows]
