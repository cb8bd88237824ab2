"""The resolver against the real PostgreSQL MPI: links, reviews, held events, history."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from schemas.events import PersonId
from streams.identity import outbox, repository, reviews
from streams.identity.decision import LinkDecision
from streams.identity.demographics import Demographics, NhsStatus
from streams.identity.matcher import Rule
from streams.identity.outbox import RawEvent
from streams.identity.resolver import ResolutionOutcome, resolve
from streams.identity.weights import load
from tests.unit.streams.identity.people import ANNA, UNTRACED_ANNA, record, twin_of

W = load()
EVENT = RawEvent("result", "mcr.source.result", 0, 41, b"\xc3\x01avro-bytes")


@pytest.fixture
def mpi(pg_conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """A migrated, empty MPI in a fresh schema."""
    repository.migrate(pg_conn)
    return pg_conn


def test_migrate_is_idempotent(mpi: psycopg.Connection[Any]) -> None:
    """Running migrate again changes nothing and fails nothing."""
    repository.migrate(mpi)
    tables = {
        r[0]
        for r in mpi.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    }
    assert {
        "persons",
        "source_records",
        "blocking_keys",
        "link_history",
        "review_queue",
        "held_events",
        "merges",
        "outbox",
    } <= tables


def test_first_record_is_a_new_person_and_a_known_record_resolves_without_scoring(
    mpi: psycopg.Connection[Any],
) -> None:
    """A new record makes a person; the same (org, local id) again resolves from the MPI."""
    first = resolve(mpi, ANNA, W)
    again = resolve(mpi, ANNA, W)
    assert (first.outcome, first.decision) == (ResolutionOutcome.FORWARD, LinkDecision.NEW_PERSON)
    assert [c["kind"] for c in first.changes] == ["NEW_PERSON"]
    assert (again.person_id, again.rule, again.changes) == (
        first.person_id,
        "known-source-record",
        (),
    )


def test_verified_nhs_number_from_another_org_links(mpi: psycopg.Connection[Any]) -> None:
    """A GP record with the hospital's verified NHS number joins the same person."""
    first = resolve(mpi, ANNA, W)
    gp = resolve(mpi, record(org="GP1", local_id="G7", family_name="Smith"), W)
    assert (gp.person_id, gp.rule) == (first.person_id, "nhs-number")
    assert gp.changes[0]["kind"] == "LINK" and gp.changes[0]["source_keys"] == ["GP1:G7"]


def test_twins_are_two_persons(mpi: psycopg.Connection[Any]) -> None:
    """Twins with different NHS numbers resolve to different persons."""
    assert resolve(mpi, ANNA, W).person_id != resolve(mpi, twin_of(ANNA), W).person_id


def test_review_holds_events_until_accepted(mpi: psycopg.Connection[Any]) -> None:
    """A conflicting record waits in review with its event; accepting links and releases it."""
    first = resolve(mpi, ANNA, W)
    odd = record(org="GP1", local_id="G7", birth_date=date(1950, 11, 20), sex="MALE")
    held = resolve(mpi, odd, W, event=EVENT)
    later = resolve(mpi, Demographics(org="GP1", local_id="G7"), W, event=EVENT)
    assert (held.outcome, held.decision, later.outcome) == (
        ResolutionOutcome.HELD,
        LinkDecision.REVIEW,
        ResolutionOutcome.HELD,
    )
    assert outbox.to_forward(mpi) == []
    (item,) = reviews.list_reviews(mpi)
    (change,) = reviews.accept(mpi, item.review_id, decided_by="tester")
    released = outbox.to_forward(mpi)
    assert change["person_id"] == first.person_id and change["rule"] == "review-accept"
    assert [(r.person_id, r.event) for r in released] == [(first.person_id, EVENT)] * 2
    assert resolve(mpi, odd, W).person_id == first.person_id


def test_review_reject_creates_a_person(mpi: psycopg.Connection[Any]) -> None:
    """Rejecting a review gives the record its own person; deciding twice is refused."""
    first = resolve(mpi, ANNA, W)
    resolve(mpi, record(org="GP1", local_id="G7", birth_date=date(1950, 11, 20), sex="MALE"), W)
    (item,) = reviews.list_reviews(mpi)
    (change,) = reviews.reject(mpi, item.review_id, decided_by="tester")
    assert change["kind"] == "NEW_PERSON" and change["person_id"] != first.person_id
    with pytest.raises(reviews.ReviewError, match="already rejected"):
        reviews.accept(mpi, item.review_id, decided_by="tester")


def test_header_only_event_of_unknown_patient_waits_for_demographics(
    mpi: psycopg.Connection[Any],
) -> None:
    """A result for an unknown, unverified patient is held until its patient event links."""
    header_only = Demographics(
        org="RD8", local_id="H100", nhs_number=ANNA.nhs_number, nhs_status=NhsStatus.UNVERIFIED
    )
    held = resolve(mpi, header_only, W, event=EVENT)
    linked = resolve(mpi, ANNA, W)
    assert (held.outcome, held.rule) == (ResolutionOutcome.HELD, "awaiting-demographics")
    assert [r.person_id for r in outbox.to_forward(mpi)] == [linked.person_id]


@pytest.mark.parametrize("status", [NhsStatus.UNVERIFIED, NhsStatus.TRACE_FAILED])
def test_unverified_nhs_number_alone_never_links_to_its_holder(
    mpi: psycopg.Connection[Any], status: NhsStatus
) -> None:
    """A result of an unknown record carrying only an unverified NHS number already on file is
    held (no link, no review) until its own patient event links the record."""
    holder = resolve(mpi, ANNA, W)
    header_only = Demographics(
        org="LAB", local_id="L1", nhs_number=ANNA.nhs_number, nhs_status=status
    )
    held = resolve(mpi, header_only, W, event=EVENT)
    assert (held.outcome, held.person_id, held.rule) == (
        ResolutionOutcome.HELD,
        None,
        "awaiting-demographics",
    )
    assert repository.link_of(mpi, "LAB", "L1") is None
    assert reviews.list_reviews(mpi) == []
    linked = resolve(mpi, record(org="LAB", local_id="L1", nhs_status=status), W)
    assert linked.person_id == holder.person_id
    assert [r.person_id for r in outbox.to_forward(mpi)] == [holder.person_id]


def test_link_evidence_and_history(mpi: psycopg.Connection[Any]) -> None:
    """Every link stores rule, levels and weights version, and history is append-only."""
    resolve(mpi, ANNA, W)
    resolve(mpi, record(org="SC1", local_id="S1", nhs_number=None, given_name="Ann"), W)
    evidence = mpi.execute("SELECT evidence FROM source_records WHERE org = 'SC1'").fetchone()[0]
    assert evidence["rule"] == "probabilistic" and evidence["weights_version"] == W.version
    assert evidence["levels"]["given_name"] == "nickname"
    assert [h["action"] for h in repository.history(mpi, "SC1", "S1")] == ["link"]
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        mpi.execute("DELETE FROM link_history")


def test_changes_reach_the_outbox(mpi: psycopg.Connection[Any]) -> None:
    """Each change is queued for publishing, and marking it published removes it."""
    first = resolve(mpi, ANNA, W)
    pending = outbox.unpublished_changes(mpi)
    assert [c["change_id"] for c in pending] == [first.changes[0]["change_id"]]
    outbox.mark_published(mpi, [pending[0]["change_id"]])
    assert outbox.unpublished_changes(mpi) == []


def test_candidates_use_the_blocking_index(mpi: psycopg.Connection[Any]) -> None:
    """Candidate lookup is an index scan on blocking_keys, not a scan of all records."""
    resolve(mpi, ANNA, W)
    mpi.execute(
        "INSERT INTO blocking_keys (key, org, local_id) "
        "SELECT 'dob:' || g, 'RD8', 'H100' FROM generate_series(1, 20000) g"
    )
    mpi.execute("ANALYZE blocking_keys")
    plan = "\n".join(
        r[0]
        for r in mpi.execute(
            "EXPLAIN SELECT b.org FROM blocking_keys b WHERE b.key = 'dob:1984:3:7' LIMIT 200"
        )
    )
    assert "Index" in plan and "blocking_keys_pkey" in plan
    assert [c.person_id for c in repository.candidates(mpi, ("dob:1984:3:7",))] == [
        repository.link_of(mpi, "RD8", "H100")[0]
    ]


def _pending(conn: psycopg.Connection[Any]) -> list[reviews.ReviewItem]:
    return reviews.list_reviews(conn)


def test_newly_verified_number_held_by_another_person_opens_a_recheck(
    mpi: psycopg.Connection[Any],
) -> None:
    """A known record stays with its person, but a newly verified NHS number that another
    person holds opens a recheck review; accepting moves the record there (a re-link)."""
    anna = resolve(mpi, ANNA, W).person_id
    untraced = resolve(mpi, UNTRACED_ANNA, W)
    assert untraced.decision is LinkDecision.NEW_PERSON and untraced.person_id != anna
    traced = record(UNTRACED_ANNA, nhs_number=ANNA.nhs_number, nhs_status=NhsStatus.VERIFIED)
    again = resolve(mpi, traced, W)
    assert (again.outcome, again.person_id) == (ResolutionOutcome.FORWARD, untraced.person_id)
    (item,) = _pending(mpi)
    assert (item.source_key, item.rule, item.candidate_person_id) == (
        "RD8:H9",
        "nhs-number-elsewhere",
        anna,
    )
    assert item.evidence["linked_person_id"] == untraced.person_id
    resolve(mpi, record(traced, address="4 Church Road, Milton Keynes"), W)
    assert len(_pending(mpi)) == 1  # one pending review per record, not one per event
    (change,) = reviews.accept(mpi, item.review_id, decided_by="nurse-1")
    assert (change["kind"], change["person_id"], change["previous_person_id"]) == (
        "LINK",
        anna,
        untraced.person_id,
    )
    assert repository.link_of(mpi, "RD8", "H9")[0] == anna  # type: ignore[index]
    assert [h["action"] for h in repository.history(mpi, "RD8", "H9")] == ["link", "relink"]


@pytest.mark.parametrize(
    "update",
    [
        {"nhs_number": ANNA.nhs_number, "nhs_status": NhsStatus.UNVERIFIED},
        {"address": "5 Church Road, Milton Keynes"},
    ],
    ids=["unverified-number", "no-number"],
)
def test_no_recheck_without_a_newly_verified_number(
    mpi: psycopg.Connection[Any], update: dict[str, Any]
) -> None:
    """An unverified number, or other changed demographics, leave a known record alone."""
    resolve(mpi, ANNA, W)
    resolve(mpi, UNTRACED_ANNA, W)
    resolve(mpi, record(UNTRACED_ANNA, **update), W)
    assert _pending(mpi) == []


def test_rejecting_a_recheck_leaves_the_record_where_it_is(
    mpi: psycopg.Connection[Any],
) -> None:
    """Rejecting a recheck moves nothing and emits no change."""
    resolve(mpi, ANNA, W)
    untraced = resolve(mpi, UNTRACED_ANNA, W).person_id
    traced = record(UNTRACED_ANNA, nhs_number=ANNA.nhs_number, nhs_status=NhsStatus.VERIFIED)
    resolve(mpi, traced, W)
    (item,) = _pending(mpi)
    assert reviews.reject(mpi, item.review_id, decided_by="nurse-1") == []
    assert repository.link_of(mpi, "RD8", "H9")[0] == untraced  # type: ignore[index]
    assert reviews.list_reviews(mpi, "rejected")[0].review_id == item.review_id


def test_a_second_doubt_joins_the_pending_review_and_is_reopened_after_it(
    mpi: psycopg.Connection[Any],
) -> None:
    """A record has one pending review: another recheck is added to its evidence, so the
    person deciding sees both questions, and becomes a review of its own once that one is
    decided."""
    anna = resolve(mpi, ANNA, W).person_id
    untraced = resolve(mpi, UNTRACED_ANNA, W).person_id
    assert anna and untraced
    first = reviews.open_recheck(
        mpi, UNTRACED_ANNA, PersonId(anna), rule=Rule.NHS_ELSEWHERE, evidence={}
    )
    again = reviews.open_recheck(
        mpi, UNTRACED_ANNA, PersonId(anna), rule=Rule.UNMERGE_RECHECK, evidence={}
    )
    (item,) = _pending(mpi)
    assert (first, again, item.review_id) == (item.review_id, None, first)
    assert item.evidence["also_questioned"] == [
        {"rule": "unmerge-recheck", "candidate_person_id": anna}
    ]
    assert reviews.reject(mpi, item.review_id, decided_by="nurse-1") == []
    (reopened,) = _pending(mpi)  # deciding one question did not answer the other
    assert (reopened.rule, reopened.candidate_person_id) == ("unmerge-recheck", anna)
    assert reopened.evidence["reopened_from"] == item.review_id
