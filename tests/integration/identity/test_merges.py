"""Merge and exact unmerge, from an operator and from HL7 A40."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from schemas import nhs_number
from streams.identity import merges, repository
from streams.identity.errors import MergeError
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
