"""Resolve one source record to a person: the one path shared by the stream and link-eval.

1. Known (org, local id): the MPI link answers, no scoring (a patient event with changed
   demographics refreshes the stored demographics and blocking keys).
2. Otherwise, inside one transaction holding advisory locks on the record's source key and
   blocking keys (two workers seeing the same new person serialise, so one person is made):
   a pending review holds the event; else the matcher decides among blocked candidates and
   the record is linked, queued for review, or given a new person. A record without
   demographics (a result, medication, encounter or consent event) is decided only by a
   verified NHS number's holder; otherwise its event is held until the patient event links
   the record (an unverified number never links on its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import psycopg

from schemas.events import PersonId
from streams.identity import outbox, repository, reviews
from streams.identity.blocking import lock_ids, lock_keys, search_keys
from streams.identity.decision import LinkDecision
from streams.identity.demographics import Demographics
from streams.identity.linking import attach, attach_new_person
from streams.identity.matcher import CandidatePerson, Match, Rule, match
from streams.identity.normalise import profile
from streams.identity.outbox import RawEvent
from streams.identity.scoring import MatchWeights

__all__ = ["Resolution", "ResolutionOutcome", "resolve"]

Connection = psycopg.Connection[Any]


class ResolutionOutcome(StrEnum):
    """What the stream does with the event."""

    FORWARD = "forward"
    HELD = "held"


@dataclass(frozen=True)
class Resolution:
    """The person an event belongs to (None when held), how it was decided, what changed."""

    outcome: ResolutionOutcome
    person_id: PersonId | None
    rule: str
    decision: LinkDecision | None = None
    score: float | None = None
    changes: tuple[dict[str, Any], ...] = field(default=())


@dataclass(frozen=True)
class _Locked:
    """What the resolver reads under the record's locks: its link, whether it waits in review,
    and the persons its search keys find."""

    link: tuple[PersonId, Demographics] | None
    pending: bool
    candidates: list[CandidatePerson]


def _lock_and_read(
    conn: Connection, record: Demographics, locks: list[str], keys: tuple[str, ...]
) -> _Locked:
    """Take the advisory locks, then read the link, the pending review and the candidates:
    four statements in one pipeline, so one round trip instead of four (each read still runs
    after the locks are held: PostgreSQL runs a pipeline's statements in order, each with its
    own snapshot). The candidates are read even for a record found linked: a known record rarely
    takes this path (changed demographics), a new one always needs them."""
    with conn.pipeline():
        conn.execute(repository.LOCK_SQL, (lock_ids(locks),))
        link = conn.execute(repository.LINK_OF_SQL, (record.org, record.local_id))
        pending = conn.execute(reviews.PENDING_SQL, (record.org, record.local_id))
        found = (
            conn.execute(repository.CANDIDATES_SQL, (list(keys), repository.PER_KEY_LIMIT))
            if keys
            else None
        )
    return _Locked(
        link=repository.link_from_row(link.fetchone()),
        pending=pending.fetchone() is not None,
        candidates=repository.candidates_from_rows(found.fetchall()) if found else [],
    )


def _known(
    conn: Connection,
    record: Demographics,
    weights: MatchWeights,
    found: tuple[PersonId, Demographics] | None,
) -> Resolution | None:
    if found is None:
        return None
    person_id, stored = found
    if record.has_demographics and record != stored:
        repository.update_demographics(conn, record)
        _question_number_held_elsewhere(conn, record, stored, person_id, weights)
    return Resolution(ResolutionOutcome.FORWARD, person_id, rule="known-source-record")


def _question_number_held_elsewhere(
    conn: Connection,
    record: Demographics,
    stored: Demographics,
    person_id: PersonId,
    weights: MatchWeights,
) -> None:
    """A known record stays with its person (rule 1, no re-scoring), but a newly verified NHS
    number that another person holds means one of the two links is wrong, or the two persons
    are one: a recheck review asks a person (caller holds the record's and its keys' locks)."""
    number = record.verified_nhs_number
    if number is None or number == stored.verified_nhs_number:
        return
    holders = [
        c
        for c in repository.candidates(conn, search_keys(profile(record)))
        if c.person_id != person_id and any(profile(r).nhs_number == number for r in c.records)
    ]
    if not holders:
        return
    found = match(record, holders, weights)
    assert found.person_id is not None  # a verified number's holder is always named
    evidence = {**found.evidence.to_json(), "linked_person_id": person_id}
    reviews.open_recheck(
        conn,
        record,
        found.person_id,
        rule=Rule.NHS_ELSEWHERE,
        evidence=evidence,
        score=found.evidence.score,
    )


def _hold(
    conn: Connection, record: Demographics, reason: str, event: RawEvent | None
) -> Resolution:
    if event is not None:
        outbox.hold(conn, record.org, record.local_id, reason, event)
    return Resolution(ResolutionOutcome.HELD, None, rule=reason)


def resolve(
    conn: Connection,
    record: Demographics,
    weights: MatchWeights,
    *,
    event: RawEvent | None = None,
    looked_up: bool = False,
) -> Resolution:
    """Resolve ``record``; when held and ``event`` is given, park the event in the MPI.

    ``looked_up`` says the caller has just found the record unknown or changed (a batch's
    lookup, or link-eval's fresh records), so the lock-free first look is skipped; the look
    under the locks is always made."""
    if not looked_up:
        found = repository.link_of(conn, record.org, record.local_id)
        if found is not None and (not record.has_demographics or found[1] == record):
            return Resolution(ResolutionOutcome.FORWARD, found[0], rule="known-source-record")
    p = profile(record)
    keys = search_keys(p)
    with conn.transaction():
        read = _lock_and_read(conn, record, [record.source_key, *lock_keys(p)], keys)
        known = _known(conn, record, weights, read.link)
        if known is not None:
            return known
        if read.pending:
            return _hold(conn, record, "review", event)
        return _decide(conn, record, read.candidates, weights, event)


_VERIFIED_HOLDER_RULES = (
    Rule.NHS_NUMBER,
    Rule.NHS_NUMBER_PLACEHOLDER,
    Rule.NHS_CONFLICT,
    Rule.NHS_AMBIGUOUS,
)


def _awaits_demographics(record: Demographics, found: Match) -> bool:
    """A record without demographics that no verified NHS number's holder decided: only its
    patient event may link it (README rule 5)."""
    return not record.has_demographics and found.evidence.rule not in _VERIFIED_HOLDER_RULES


def _decide(
    conn: Connection,
    record: Demographics,
    candidates: list[CandidatePerson],
    weights: MatchWeights,
    event: RawEvent | None,
) -> Resolution:
    found = match(record, candidates, weights)
    evidence = found.evidence
    if _awaits_demographics(record, found):
        return _hold(conn, record, "awaiting-demographics", event)
    if found.decision is LinkDecision.REVIEW:
        reviews.open_review(conn, record, found)
        held = _hold(conn, record, "review", event)
        return Resolution(held.outcome, None, evidence.rule.value, found.decision, evidence.score)
    if found.decision is LinkDecision.AUTO_LINK and found.person_id is not None:
        person = repository.active_person(conn, found.person_id)
        change = attach(
            conn,
            record,
            person,
            rule=evidence.rule.value,
            score=evidence.score,
            evidence=evidence.to_json(),
        )
    else:
        change = attach_new_person(
            conn,
            record,
            rule=evidence.rule.value,
            score=evidence.score,
            evidence=evidence.to_json(),
        )
    return Resolution(
        ResolutionOutcome.FORWARD,
        PersonId(change["person_id"]),
        evidence.rule.value,
        found.decision,
        evidence.score,
        (change,),
    )
