"""The review queue: records scored between the thresholds (or with a conflicting NHS number)
wait here, with their events held, until a person accepts the candidate or rejects it, or an
HL7 A40 from the record's own organisation links it first (the review is then ``superseded``).

A review can also question a record that is already linked (a *recheck*): its newly verified
NHS number is held by another person, or it was linked to a merge's survivor that was then
unmerged. The record stays where it is until decided: accepting moves it to the candidate
(a re-link), rejecting leaves it in place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from schemas.events import PersonId, source_key
from streams.identity import repository
from streams.identity.demographics import Demographics, from_json
from streams.identity.errors import ReviewError
from streams.identity.linking import attach, attach_new_person, relink
from streams.identity.matcher import Match, Rule

__all__ = [
    "PENDING_SQL",
    "SUPERSEDED",
    "ReviewItem",
    "accept",
    "is_pending",
    "list_reviews",
    "open_recheck",
    "open_review",
    "reject",
    "supersede",
]

SUPERSEDED = "superseded"
"""Status of a review closed because its record was linked another way (HL7 A40)."""

Connection = psycopg.Connection[Any]
_SELECT = """SELECT review_id, org, local_id, status, rule, candidate_person_id, score, evidence,
                    created_at, demographics FROM review_queue """


@dataclass(frozen=True)
class ReviewItem:
    """One review: ids, rule, score and evidence (no demographic values)."""

    review_id: int
    source_key: str
    status: str
    rule: str
    candidate_person_id: str | None
    score: float | None
    evidence: dict[str, Any]
    created_at: datetime


def _item(row: tuple[Any, ...]) -> ReviewItem:
    return ReviewItem(row[0], source_key(row[1], row[2]), *row[3:])


_INSERT = """INSERT INTO review_queue (org, local_id, rule, candidate_person_id, score,
                                     evidence, demographics)
             VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING review_id"""
# ON CONFLICT against the one-pending-review index: no check-then-insert race with an unmerge
# or the stream opening a review for the same record at the same moment.
_INSERT_UNLESS_PENDING = """INSERT INTO review_queue (org, local_id, rule, candidate_person_id,
                                                   score, evidence, demographics)
             VALUES (%s, %s, %s, %s, %s, %s, %s)
             ON CONFLICT (org, local_id) WHERE status = 'pending' DO NOTHING
             RETURNING review_id"""


def _insert(
    conn: Connection,
    record: Demographics,
    *,
    rule: str,
    candidate: str | None,
    score: float | None,
    evidence: dict[str, Any],
    unless_pending: bool = False,
) -> int | None:
    row = conn.execute(
        _INSERT_UNLESS_PENDING if unless_pending else _INSERT,
        (
            record.org,
            record.local_id,
            rule,
            candidate,
            score,
            Jsonb(evidence),
            Jsonb(record.to_json()),
        ),
    ).fetchone()
    return int(row[0]) if row is not None else None


def open_review(conn: Connection, record: Demographics, found: Match) -> int:
    """Queue ``record`` for review against the matcher's candidate; returns the review id."""
    evidence = found.evidence
    review_id = _insert(
        conn,
        record,
        rule=evidence.rule.value,
        candidate=found.person_id,
        score=evidence.score,
        evidence=evidence.to_json(),
    )
    assert review_id is not None  # without ON CONFLICT a duplicate raises instead
    return review_id


def open_recheck(
    conn: Connection,
    record: Demographics,
    candidate: PersonId,
    *,
    rule: Rule,
    evidence: dict[str, Any],
    score: float | None = None,
) -> int | None:
    """Question the link of an already linked ``record`` against ``candidate``; returns the
    review id, or None when the record already has a pending review. A record has one
    pending review at a time, so the new doubt is then added to that review's evidence
    (``also_questioned``: rule and candidate) for the person deciding it, not dropped."""
    review_id = _insert(
        conn,
        record,
        rule=rule.value,
        candidate=candidate,
        score=score,
        evidence={**evidence, "rule": rule.value},
        unless_pending=True,
    )
    if review_id is None:
        doubt = Jsonb([{"rule": rule.value, "candidate_person_id": candidate}])
        conn.execute(
            "UPDATE review_queue SET evidence = jsonb_set(evidence, '{also_questioned}', "
            "coalesce(evidence->'also_questioned', '[]'::jsonb) || %s) "
            "WHERE org = %s AND local_id = %s AND status = 'pending'",
            (doubt, record.org, record.local_id),
        )
    return review_id


def is_pending(conn: Connection, org: str, local_id: str) -> bool:
    """True when the record has an undecided review."""
    return conn.execute(PENDING_SQL, (org, local_id)).fetchone() is not None


PENDING_SQL = "SELECT 1 FROM review_queue WHERE org = %s AND local_id = %s AND status = 'pending'"
"""Whether a record has an undecided review (the resolver also sends it in a pipeline)."""


def pending_reviews(conn: Connection) -> int:
    """How many reviews wait for a person's decision."""
    row = conn.execute("SELECT count(*) FROM review_queue WHERE status = 'pending'").fetchone()
    return int(row[0]) if row else 0


def list_reviews(conn: Connection, status: str = "pending", limit: int = 100) -> list[ReviewItem]:
    """Reviews with ``status``, oldest first."""
    rows = conn.execute(
        _SELECT + "WHERE status = %s ORDER BY review_id LIMIT %s", (status, limit)
    ).fetchall()
    return [_item(row[:-1]) for row in rows]


def _claim(conn: Connection, review_id: int) -> tuple[ReviewItem, Demographics]:
    """Lock the review's record (advisory lock first, like the stream and HL7 A40, so the
    two never wait on each other in opposite orders), then the review row; it must be pending."""
    key = conn.execute(
        "SELECT org, local_id FROM review_queue WHERE review_id = %s", (review_id,)
    ).fetchone()
    if key is None:
        raise ReviewError(f"review {review_id}: no such review")
    repository.lock(conn, [source_key(key[0], key[1])])
    row = conn.execute(_SELECT + "WHERE review_id = %s FOR UPDATE", (review_id,)).fetchone()
    assert row is not None  # reviews are never deleted
    item = _item(row[:-1])
    if item.status != "pending":
        raise ReviewError(f"review {review_id}: already {item.status}")
    return item, from_json(row[-1])


def _close(
    conn: Connection, review_id: int, status: str, person_id: PersonId, decided_by: str
) -> None:
    conn.execute(
        "UPDATE review_queue SET status = %s, person_id = %s, decided_at = now(), "
        "decided_by = %s WHERE review_id = %s",
        (status, person_id, decided_by, review_id),
    )


def accept(conn: Connection, review_id: int, *, decided_by: str) -> list[dict[str, Any]]:
    """Link the record to the candidate (or whoever it was merged into), moving it there if it
    is already linked elsewhere; returns the change (none when it is already there)."""
    with conn.transaction():
        item, record = _claim(conn, review_id)
        if item.candidate_person_id is None:
            raise ReviewError(f"review {review_id}: no candidate person; reject it instead")
        current = repository.link_of(conn, record.org, record.local_id)
        if current is not None:
            # FOR UPDATE on the persons involved (the candidate's survivor too), in id order,
            # before any FOR SHARE: two accepts with one candidate (every unmerge recheck of a
            # merge has it), or an accept and a merge, never wait on each other in a cycle.
            survivor = repository.survivor_of(conn, item.candidate_person_id)
            repository.lock_persons(conn, current[0], item.candidate_person_id, survivor)
        person = repository.active_person(conn, item.candidate_person_id)
        evidence = _decided(item, Rule.REVIEW_ACCEPT, review_id)
        changes = []
        if current is None:
            changes.append(
                attach(
                    conn,
                    record,
                    person,
                    rule=Rule.REVIEW_ACCEPT.value,
                    score=item.score,
                    evidence=evidence,
                )
            )
        else:
            changes.extend(
                _move_to(conn, item, record, person=person, current=current[0], evidence=evidence)
            )
        _close(conn, review_id, "accepted", person, decided_by)
        _reopen_other_doubts(conn, item, record, linked_to=person)
    return changes


def reject(conn: Connection, review_id: int, *, decided_by: str) -> list[dict[str, Any]]:
    """Give the record a new person of its own, or leave an already linked record where it is;
    returns the change (none for a linked record)."""
    with conn.transaction():
        item, record = _claim(conn, review_id)
        current = repository.link_of(conn, record.org, record.local_id)
        if current is not None:
            _close(conn, review_id, "rejected", current[0], decided_by)
            _reopen_other_doubts(conn, item, record, linked_to=current[0])
            return []
        change = attach_new_person(
            conn,
            record,
            rule=Rule.REVIEW_REJECT.value,
            score=item.score,
            evidence=_decided(item, Rule.REVIEW_REJECT, review_id),
        )
        _close(conn, review_id, "rejected", PersonId(change["person_id"]), decided_by)
    return [change]


def _reopen_other_doubts(
    conn: Connection, item: ReviewItem, record: Demographics, *, linked_to: PersonId
) -> None:
    """Doubts that joined the decided review (``also_questioned``) become reviews of their
    own, so deciding one question never silently answers another."""
    for doubt in item.evidence.get("also_questioned", []):
        candidate = PersonId(doubt["candidate_person_id"])
        if candidate != linked_to:
            open_recheck(
                conn,
                record,
                candidate,
                rule=Rule(doubt["rule"]),
                evidence={"reopened_from": item.review_id, "linked_person_id": linked_to},
            )


def _move_to(
    conn: Connection,
    item: ReviewItem,
    record: Demographics,
    *,
    person: PersonId,
    current: PersonId,
    evidence: dict[str, Any],
) -> list[dict[str, Any]]:
    """Re-link an already linked record to ``person``: lock both persons first (as a merge
    does), then read the link again, since a merge may have moved the record meanwhile."""
    repository.lock_persons(conn, current, person)
    found = repository.link_of(conn, record.org, record.local_id)
    assert found is not None  # links are never deleted
    if found[0] == person:
        return []
    return [
        relink(
            conn,
            record.org,
            record.local_id,
            person,
            previous=found[0],
            rule=Rule.REVIEW_ACCEPT.value,
            score=item.score,
            evidence=evidence,
        )
    ]


def _decided(item: ReviewItem, rule: Rule, review_id: int) -> dict[str, Any]:
    return {**item.evidence, "rule": rule.value, "review_id": review_id, "matched_rule": item.rule}


def supersede(
    conn: Connection, org: str, local_id: str, person_id: PersonId, *, decided_by: str
) -> Demographics | None:
    """Close the record's pending review because it was linked to ``person_id`` another way
    (call in that link's transaction, under the record's advisory lock); returns the
    demographics the review held, or None when there was no pending review."""
    row = conn.execute(
        "UPDATE review_queue SET status = %s, person_id = %s, decided_at = now(), "
        "decided_by = %s WHERE org = %s AND local_id = %s AND status = 'pending' "
        "RETURNING demographics",
        (SUPERSEDED, person_id, decided_by, org, local_id),
    ).fetchone()
    return from_json(row[0]) if row else None
