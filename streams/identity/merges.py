"""Merging two persons and undoing it exactly.

A merge moves every source record of the retired person to the survivor and records which
source keys moved; an unmerge moves exactly those keys back. Records linked to the survivor
while the merge stood stay with it, but each gets a recheck review against the restored
person: it may have matched on the retired person's records. Merges come from HL7 A40
(``merged_local_patient_ids``), review or an operator.

Pending reviews keep the candidate they were scored against: accepting one follows
``merged_into`` at decision time, so after a merge it links to the survivor and after an
unmerge to the person the record was actually compared with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from schemas.events import PersonId, source_key
from streams.identity import outbox, repository, reviews
from streams.identity.changes import ChangeKind, identity_change, split_source_key
from streams.identity.demographics import Demographics, from_json
from streams.identity.errors import MergeError
from streams.identity.linking import attach
from streams.identity.matcher import Rule

__all__ = ["merge", "merge_local_ids", "unmerge"]

Connection = psycopg.Connection[Any]


def _move(
    conn: Connection,
    keys: Sequence[str],
    *,
    to: str,
    action: str,
    rule: str,
    merge_id: int,
    previous: str,
) -> None:
    for key in keys:
        org, local_id = split_source_key(key)
        conn.execute(
            "UPDATE source_records SET person_id = %s WHERE org = %s AND local_id = %s",
            (to, org, local_id),
        )
        repository.record_history(
            conn,
            org=org,
            local_id=local_id,
            person_id=to,
            previous_person_id=previous,
            action=action,
            rule=rule,
            merge_id=merge_id,
        )


def merge(conn: Connection, *, survivor: str, retired: str, rule: str) -> list[dict[str, Any]]:
    """Move all of ``retired``'s records to ``survivor``; returns the MERGE change."""
    if survivor == retired:
        raise MergeError("merge: survivor and retired are the same person")
    with conn.transaction():
        found = repository.lock_persons(conn, survivor, retired)
        for person in (survivor, retired):
            if person not in found:
                raise MergeError(f"merge: person {person} is not in the MPI")
            if found[person] is not None:
                raise MergeError(f"merge: person {person} was already merged")
        rows = conn.execute(
            "SELECT org, local_id FROM source_records WHERE person_id = %s ORDER BY org, local_id",
            (retired,),
        ).fetchall()
        keys = [source_key(org, local_id) for org, local_id in rows]
        merge_row = conn.execute(
            "INSERT INTO merges (survivor_id, retired_id, rule, moved_keys) "
            "VALUES (%s, %s, %s, %s) RETURNING merge_id",
            (survivor, retired, rule, keys),
        ).fetchone()
        assert merge_row is not None
        _move(
            conn,
            keys,
            to=survivor,
            action="merge",
            rule=rule,
            merge_id=merge_row[0],
            previous=retired,
        )
        conn.execute(
            "UPDATE persons SET merged_into = %s WHERE person_id = %s", (survivor, retired)
        )
        change = identity_change(
            ChangeKind.MERGE, survivor, previous_person_id=retired, source_keys=keys, rule=rule
        )
        outbox.add_changes(conn, [change])
    return [change]


def unmerge(
    conn: Connection, *, merge_id: int, rule: str = Rule.OPERATOR.value
) -> list[dict[str, Any]]:
    """Move exactly the keys merge ``merge_id`` moved back to the retired person."""
    with conn.transaction():
        row = conn.execute(
            "SELECT survivor_id, retired_id, moved_keys, unmerged_at FROM merges "
            "WHERE merge_id = %s FOR UPDATE",
            (merge_id,),
        ).fetchone()
        if row is None:
            raise MergeError(f"unmerge: merge {merge_id} does not exist")
        survivor, retired, keys, unmerged_at = row
        if unmerged_at is not None:
            raise MergeError(f"unmerge: merge {merge_id} was already undone")
        repository.lock_persons(conn, survivor, retired)
        _check_still_on(conn, keys, survivor, merge_id)
        _move(
            conn,
            keys,
            to=retired,
            action="unmerge",
            rule=rule,
            merge_id=merge_id,
            previous=survivor,
        )
        conn.execute("UPDATE persons SET merged_into = NULL WHERE person_id = %s", (retired,))
        conn.execute("UPDATE merges SET unmerged_at = now() WHERE merge_id = %s", (merge_id,))
        _recheck_links_made_during(conn, merge_id, survivor=survivor, retired=retired)
        change = identity_change(
            ChangeKind.UNMERGE, retired, previous_person_id=survivor, source_keys=keys, rule=rule
        )
        outbox.add_changes(conn, [change])
    return [change]


def _recheck_links_made_during(
    conn: Connection, merge_id: int, *, survivor: str, retired: str
) -> None:
    """Open a recheck review, against the restored person, for every record still on the
    survivor that was linked to it while the merge stood (not one the merge moved)."""
    rows = conn.execute(
        """SELECT DISTINCT ON (s.org, s.local_id) s.demographics
             FROM merges m
             JOIN link_history h ON h.person_id = m.survivor_id
                                AND h.action IN ('link', 'relink')
                                AND h.recorded_at >= m.merged_at
             JOIN source_records s ON s.org = h.org AND s.local_id = h.local_id
                                  AND s.person_id = m.survivor_id
            WHERE m.merge_id = %s
              AND NOT (s.org || ':' || s.local_id = ANY(m.moved_keys))
            ORDER BY s.org, s.local_id""",
        (merge_id,),
    ).fetchall()
    for (demographics,) in rows:
        reviews.open_recheck(
            conn,
            from_json(demographics),
            PersonId(retired),
            rule=Rule.UNMERGE_RECHECK,
            evidence={"merge_id": merge_id, "linked_person_id": survivor},
        )


def _check_still_on(conn: Connection, keys: Sequence[str], survivor: str, merge_id: int) -> None:
    for key in keys:
        org, local_id = split_source_key(key)
        row = conn.execute(
            "SELECT person_id FROM source_records WHERE org = %s AND local_id = %s", (org, local_id)
        ).fetchone()
        if row is None or row[0] != survivor:
            raise MergeError(
                f"unmerge: merge {merge_id}: source key {key} has moved since; "
                "undo the later change first"
            )


def merge_local_ids(
    conn: Connection, *, org: str, local_ids: Sequence[str], person_id: PersonId
) -> list[dict[str, Any]]:
    """HL7 A40: ``org`` says its ``local_ids`` are the patient now linked to ``person_id``.
    Persons holding them are merged into it; unknown ids are linked to it directly."""
    changes: list[dict[str, Any]] = []
    for local_id in local_ids:
        changes += _absorb(conn, org, local_id, person_id)
    return changes


def _absorb(conn: Connection, org: str, local_id: str, person_id: PersonId) -> list[dict[str, Any]]:
    with conn.transaction():
        repository.lock(conn, [source_key(org, local_id)])
        survivor = repository.active_person(conn, person_id)
        found = repository.link_of(conn, org, local_id)
        if found is None:
            return [_link_unknown(conn, org, local_id, survivor)]
        if found[0] == survivor:
            return []
        return merge(conn, survivor=survivor, retired=found[0], rule=Rule.HL7_A40.value)


def _link_unknown(conn: Connection, org: str, local_id: str, person_id: PersonId) -> dict[str, Any]:
    """Link a local id the MPI does not know to ``person_id`` (releasing its held events); a
    review it was waiting in is closed as superseded, so nobody decides it twice."""
    reviewed = reviews.supersede(conn, org, local_id, person_id, decided_by=Rule.HL7_A40.value)
    return attach(
        conn,
        reviewed or Demographics(org=org, local_id=local_id),
        person_id,
        rule=Rule.HL7_A40.value,
        score=None,
        evidence={"rule": Rule.HL7_A40.value},
    )
