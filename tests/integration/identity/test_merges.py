"""Merge and exact unmerge, from an operator and from HL7 A40."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from schemas import nhs_number
from streams.identity import merges, repository, reviews
from streams.identity.errors import MergeError, ReviewError
from streams.identity.resolver import resolve
from streams.identity.weights import load
from tests.unit.streams.identity.people import ANNA, record

W = load()
# Two records of one woman that the matcher kept apart (different NHS numbers on file).
OTHER = record(
    org="GP1",
    local_id="G7",
    nhs_number=nhs_number.test_number(5),
    family_name="Nowak",
    birth_date=date(1984, 7, 3),
)


@pytest.fixture
def mpi(pg_conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """A migrated, empty MPI in a fresh schema."""
    repository.migrate(pg_conn)
    return pg_conn


def _links(conn: psycopg.Connection[Any]) -> dict[str, str]:
    rows = conn.execute("SELECT org || ':' || local_id, person_id FROM source_records")
    return dict(rows.fetchall())


def test_merge_then_unmerge_restores_exactly(mpi: psycopg.Connection[Any]) -> None:
    """Unmerge puts back exactly the keys the merge moved; later links stay with the survivor."""
    survivor = resolve(mpi, ANNA, W).person_id
    retired = resolve(mpi, OTHER, W).person_id
    resolve(mpi, record(OTHER, local_id="G8"), W)  # a second record of the retired person
    assert survivor and retired and survivor != retired
    before = _links(mpi)
    (merge,) = merges.merge(mpi, survivor=survivor, retired=retired, rule="operator")
    assert (merge["kind"], merge["person_id"], merge["previous_person_id"]) == (
        "MERGE",
        survivor,
        retired,
    )
    assert merge["source_keys"] == ["GP1:G7", "GP1:G8"]
    assert set(_links(mpi).values()) == {survivor}
    late = resolve(mpi, record(org="SC1", local_id="S1", nhs_number=None), W)
    assert late.person_id == survivor
    merge_id = mpi.execute("SELECT merge_id FROM merges").fetchone()[0]
    (undo,) = merges.unmerge(mpi, merge_id=merge_id)
    assert (undo["kind"], undo["person_id"], undo["source_keys"]) == (
        "UNMERGE",
        retired,
        ["GP1:G7", "GP1:G8"],
    )
    assert _links(mpi) == {**before, "SC1:S1": survivor}
    actions = [h["action"] for h in repository.history(mpi, "GP1", "G7")]
    assert actions == ["link", "merge", "unmerge"]


def test_unmerge_rechecks_records_linked_while_the_merge_stood(
    mpi: psycopg.Connection[Any],
) -> None:
    """A record linked to the survivor during the merge may have matched on the retired
    person's records: the unmerge leaves it in place and opens a recheck against the retired
    person; accepting moves it there."""
    survivor = resolve(mpi, ANNA, W).person_id
    retired = resolve(mpi, OTHER, W).person_id
    assert survivor and retired
    merges.merge(mpi, survivor=survivor, retired=retired, rule="operator")
    resolve(mpi, record(OTHER, org="SC1", local_id="S1", nhs_number=None), W)
    assert _links(mpi)["SC1:S1"] == survivor
    merge_id = mpi.execute("SELECT merge_id FROM merges").fetchone()[0]
    merges.unmerge(mpi, merge_id=merge_id)
    (item,) = reviews.list_reviews(mpi)
    assert (item.source_key, item.rule, item.candidate_person_id) == (
        "SC1:S1",
        "unmerge-recheck",
        retired,
    )
    assert item.evidence["merge_id"] == merge_id
    assert _links(mpi)["SC1:S1"] == survivor  # stays until a person decides
    (change,) = reviews.accept(mpi, item.review_id, decided_by="clerk-1")
    assert (change["kind"], change["person_id"], change["previous_person_id"]) == (
        "LINK",
        retired,
        survivor,
    )
    assert _links(mpi)["SC1:S1"] == retired


def test_unmerge_twice_is_refused(mpi: psycopg.Connection[Any]) -> None:
    """An unmerge can be applied once."""
    survivor, retired = resolve(mpi, ANNA, W).person_id, resolve(mpi, OTHER, W).person_id
    assert survivor and retired
    merges.merge(mpi, survivor=survivor, retired=retired, rule="operator")
    merge_id = mpi.execute("SELECT merge_id FROM merges").fetchone()[0]
    merges.unmerge(mpi, merge_id=merge_id)
    with pytest.raises(MergeError, match="already undone"):
        merges.unmerge(mpi, merge_id=merge_id)


def test_merging_a_retired_person_is_refused(mpi: psycopg.Connection[Any]) -> None:
    """A person already merged cannot be merged again."""
    survivor, retired = resolve(mpi, ANNA, W).person_id, resolve(mpi, OTHER, W).person_id
    assert survivor and retired
    merges.merge(mpi, survivor=survivor, retired=retired, rule="operator")
    with pytest.raises(MergeError, match="already merged"):
        merges.merge(mpi, survivor=survivor, retired=retired, rule="operator")


def test_hl7_a40_merges_the_persons_of_merged_local_ids(mpi: psycopg.Connection[Any]) -> None:
    """A40: the org's merged local id moves to the surviving patient's person; an unknown
    merged id is linked to it directly."""
    kept = resolve(mpi, ANNA, W).person_id
    duplicate = resolve(mpi, record(OTHER, org="RD8", local_id="H999"), W).person_id
    assert kept and duplicate and kept != duplicate
    changes = merges.merge_local_ids(mpi, org="RD8", local_ids=["H999", "H555"], person_id=kept)
    assert [(c["kind"], c["rule"], c["source_keys"]) for c in changes] == [
        ("MERGE", "hl7-a40", ["RD8:H999"]),
        ("LINK", "hl7-a40", ["RD8:H555"]),
    ]
    assert repository.active_person(mpi, duplicate) == kept
    assert repository.link_of(mpi, "RD8", "H555")[0] == kept


def _review_against(mpi: psycopg.Connection[Any], person: str) -> int:
    """Queue a record for review against ``person`` (OTHER's verified number, conflicting
    birth date and sex); returns the review id."""
    odd = record(OTHER, org="LAB", local_id="L9", birth_date=date(1950, 11, 20), sex="MALE")
    assert resolve(mpi, odd, W).person_id is None
    (item,) = reviews.list_reviews(mpi)
    assert item.candidate_person_id == person
    return item.review_id


def test_accept_after_merge_and_unmerge_links_the_person_scored(
    mpi: psycopg.Connection[Any],
) -> None:
    """A review scored against a person merged then unmerged is accepted onto that person,
    not the former survivor."""
    survivor, retired = resolve(mpi, ANNA, W).person_id, resolve(mpi, OTHER, W).person_id
    assert survivor and retired
    review_id = _review_against(mpi, retired)
    merges.merge(mpi, survivor=survivor, retired=retired, rule="operator")
    merges.unmerge(mpi, merge_id=mpi.execute("SELECT merge_id FROM merges").fetchone()[0])
    (change,) = reviews.accept(mpi, review_id, decided_by="tester")
    assert change["person_id"] == retired
    assert repository.link_of(mpi, "LAB", "L9")[0] == retired


def test_hl7_a40_supersedes_the_review_of_a_merged_local_id(
    mpi: psycopg.Connection[Any],
) -> None:
    """A40 naming a local id waiting in review links it and closes the review as superseded;
    deciding that review afterwards is refused with a ReviewError, not a database error."""
    kept, other = resolve(mpi, ANNA, W).person_id, resolve(mpi, OTHER, W).person_id
    assert kept and other
    review_id = _review_against(mpi, other)
    merges.merge_local_ids(mpi, org="LAB", local_ids=["L9"], person_id=kept)
    assert repository.link_of(mpi, "LAB", "L9")[0] == kept
    assert reviews.is_pending(mpi, "LAB", "L9") is False
    (closed,) = reviews.list_reviews(mpi, status="superseded")
    assert closed.review_id == review_id
    for decide in (reviews.accept, reviews.reject):
        with pytest.raises(ReviewError, match="already superseded"):
            decide(mpi, review_id, decided_by="tester")


def test_migrate_widens_an_older_review_status_check(mpi: psycopg.Connection[Any]) -> None:
    """An MPI created before 'superseded' existed accepts that status after migrate."""
    mpi.execute("ALTER TABLE review_queue DROP CONSTRAINT review_queue_status_check")
    mpi.execute(
        "ALTER TABLE review_queue ADD CONSTRAINT review_queue_status_check "
        "CHECK (status IN ('pending', 'accepted', 'rejected'))"
    )
    repository.migrate(mpi)
    resolve(mpi, ANNA, W)
    review_id = _review_against(mpi, resolve(mpi, OTHER, W).person_id or "")
    mpi.execute("UPDATE review_queue SET status = 'superseded' WHERE review_id = %s", (review_id,))
    assert reviews.list_reviews(mpi, status="superseded")[0].review_id == review_id
