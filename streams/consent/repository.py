"""The consent stage's PostgreSQL tables: every consent item's newest version, and which
person each source record belongs to now (from identity changes). psycopg only, no rules.

``preferences``  one row per consent item (org, source record id): its newest version, the
                 source key it came from and the person it arrived with.
``source_persons`` source key -> person, as the newest identity change says (NEW_PERSON, LINK,
                 MERGE, UNMERGE all name their source keys), so a merge or an unmerge moves a
                 person's preferences with their records.

A person's state is every preference whose source key maps to them (or, for a key no identity
change has named yet, that arrived with them). Functions take an autocommit connection whose
``search_path`` names the consent schema (:func:`connect`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import psycopg

from mcr.core.postgres import apply_ddl, schema_connection
from streams.consent.moves import Move, newest_per_key
from streams.consent.state import ConsentState, Decision, Preference, Scope, apply

__all__ = [
    "DDL",
    "connect",
    "migrate",
    "move_many",
    "move_source_keys",
    "persons_of",
    "save",
    "states",
]

Connection = psycopg.Connection[Any]
_MIGRATION_LOCK = 7_236_514_002

DDL = """
CREATE TABLE IF NOT EXISTS preferences (
    org                 text NOT NULL,
    source_record_id    text NOT NULL,
    source_key          text NOT NULL,
    person_id           text NOT NULL,
    version             bigint NOT NULL,
    scope               text NOT NULL,
    decision            text NOT NULL,
    withheld_record_ids text[] NOT NULL DEFAULT '{}',
    effective_to        timestamptz,
    retracted           boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, source_record_id)
);
CREATE INDEX IF NOT EXISTS preferences_person ON preferences (person_id);
CREATE INDEX IF NOT EXISTS preferences_source_key ON preferences (source_key);
CREATE TABLE IF NOT EXISTS source_persons (
    source_key text PRIMARY KEY,
    person_id  text NOT NULL,
    changed_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS source_persons_person ON source_persons (person_id);
"""


def connect(dsn: str, schema: str) -> Connection:
    """An autocommit connection on ``schema`` (created and migrated on first use)."""
    return schema_connection(
        dsn, schema, ddl=DDL, lock_id=_MIGRATION_LOCK, setting="MCR_CONSENT_SCHEMA"
    )


def migrate(conn: Connection) -> None:
    """Create the tables in the first schema of the search path (safe to repeat, and from
    several workers at once)."""
    apply_ddl(conn, DDL, lock_id=_MIGRATION_LOCK)


def save(conn: Connection, preference: Preference, *, source_key: str, person_id: str) -> bool:
    """Store ``preference`` unless a version at least as new is held; True when stored."""
    row = conn.execute(
        """INSERT INTO preferences (org, source_record_id, source_key, person_id, version, scope,
                                    decision, withheld_record_ids, effective_to, retracted)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (org, source_record_id) DO UPDATE SET
               source_key = EXCLUDED.source_key, person_id = EXCLUDED.person_id,
               version = EXCLUDED.version, scope = EXCLUDED.scope, decision = EXCLUDED.decision,
               withheld_record_ids = EXCLUDED.withheld_record_ids,
               effective_to = EXCLUDED.effective_to, retracted = EXCLUDED.retracted,
               updated_at = now()
           WHERE preferences.version < EXCLUDED.version
           RETURNING 1""",
        (
            preference.org,
            preference.source_record_id,
            source_key,
            person_id,
            preference.version,
            preference.scope.value,
            preference.decision.value,
            sorted(preference.withheld_record_ids),
            preference.effective_to,
            preference.retracted,
        ),
    ).fetchone()
    return row is not None


def _preference(row: tuple[Any, ...]) -> Preference:
    return Preference(
        org=row[0],
        source_record_id=row[1],
        version=int(row[2]),
        scope=Scope(row[3]),
        decision=Decision(row[4]),
        withheld_record_ids=frozenset(row[5] or ()),
        effective_to=row[6],
        retracted=bool(row[7]),
    )


def states(conn: Connection, person_ids: Iterable[str]) -> dict[str, ConsentState]:
    """The consent state of each person (an empty state for a person with no preferences)."""
    ids = sorted(set(person_ids))
    rows = conn.execute(
        """SELECT sp.person_id, p.org, p.source_record_id, p.version, p.scope, p.decision,
                  p.withheld_record_ids, p.effective_to, p.retracted
              FROM source_persons sp JOIN preferences p ON p.source_key = sp.source_key
             WHERE sp.person_id = ANY(%s)
            UNION ALL
            SELECT p.person_id, p.org, p.source_record_id, p.version, p.scope, p.decision,
                   p.withheld_record_ids, p.effective_to, p.retracted
              FROM preferences p
             WHERE p.person_id = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM source_persons sp
                                WHERE sp.source_key = p.source_key)""",
        (ids, ids),
    ).fetchall()
    found = {person: ConsentState() for person in ids}
    for row in rows:
        found[row[0]] = apply(found[row[0]], _preference(row[1:]))
    return found


def persons_of(conn: Connection, source_keys: Iterable[str]) -> dict[str, str]:
    """The person each known source key belongs to now (keys no change has named are absent)."""
    rows = conn.execute(
        "SELECT source_key, person_id FROM source_persons WHERE source_key = ANY(%s)",
        (sorted(set(source_keys)),),
    ).fetchall()
    return {key: person for key, person in rows}


def source_keys_of(conn: Connection, person_id: str) -> list[str]:
    """Every source key the newest identity changes give ``person_id`` (sorted)."""
    rows = conn.execute(
        "SELECT source_key FROM source_persons WHERE person_id = %s ORDER BY source_key",
        (person_id,),
    ).fetchall()
    return [key for (key,) in rows]


def move_source_keys(
    conn: Connection, source_keys: Sequence[str], *, person_id: str, changed_at: datetime
) -> None:
    """Record that ``source_keys`` belong to ``person_id`` since ``changed_at`` (an older
    change read late does not undo a newer one)."""
    move_many(conn, [Move(tuple(source_keys), person_id, changed_at)])


def move_many(conn: Connection, moves: Sequence[Move]) -> None:
    """Record every move, in order, in one statement (one round trip for a batch of identity
    changes): per source key the newest change wins, and an older change read late does not
    undo a newer one, exactly as one statement per move would leave the rows."""
    rows = newest_per_key(moves)
    if not rows:
        return
    keys, persons, times = (list(column) for column in zip(*rows, strict=True))
    conn.execute(
        """INSERT INTO source_persons (source_key, person_id, changed_at)
           SELECT * FROM unnest(%s::text[], %s::text[], %s::timestamptz[])
           ON CONFLICT (source_key) DO UPDATE SET
               person_id = EXCLUDED.person_id, changed_at = EXCLUDED.changed_at
           WHERE source_persons.changed_at <= EXCLUDED.changed_at""",
        (keys, persons, times),
    )
