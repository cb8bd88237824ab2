"""The identity CLI against a real MPI schema: review, merge, unmerge, explain, train."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from deploy.local import StackSettings
from schemas import nhs_number
from streams.identity import merges, repository
from streams.identity.cli import app
from streams.identity.demographics import NhsStatus
from streams.identity.resolver import resolve
from streams.identity.weights import load
from tests.integration.identity.fake1000 import convert
from tests.unit.streams.identity.people import ANNA, UNTRACED_ANNA, record

W = load()
runner = CliRunner()


@pytest.fixture
def mpi(
    stack: StackSettings,
    pg_schema: str,
    pg_conn: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> psycopg.Connection[Any]:
    """A migrated MPI; the CLI is pointed at the same schema."""
    monkeypatch.setenv("MCR_IDENTITY_DSN", stack.identity_dsn)
    monkeypatch.setenv("MCR_IDENTITY_SCHEMA", pg_schema)
    repository.migrate(pg_conn)
    return pg_conn


def test_review_list_and_accept(mpi: psycopg.Connection[Any]) -> None:
    """`review list` shows the pending item; `review accept` links it."""
    person = resolve(mpi, ANNA, W).person_id
    resolve(mpi, record(org="GP1", local_id="G7", birth_date=date(1950, 11, 20), sex="MALE"), W)
    listed = runner.invoke(app, ["review", "list"])
    assert "GP1:G7\tnhs-number-conflict" in listed.output and "1 pending" in listed.output
    review_id = listed.output.split("\t", 1)[0]
    accepted = runner.invoke(app, ["review", "accept", review_id, "--by", "dr-who"])
    assert accepted.exit_code == 0 and f"LINK person={person}" in accepted.output
    again = runner.invoke(app, ["review", "accept", review_id])
    assert again.exit_code == 1 and "already accepted" in again.output


def test_review_list_names_who_holds_a_merged_candidate_and_the_linked_person(
    mpi: psycopg.Connection[Any],
) -> None:
    """After the candidate is merged away, `review list` shows its survivor; a recheck shows
    the person the record is linked to now."""
    candidate = resolve(mpi, ANNA, W).person_id
    resolve(mpi, record(org="GP1", local_id="G7", birth_date=date(1950, 11, 20), sex="MALE"), W)
    survivor = resolve(
        mpi, record(org="SC1", local_id="S1", nhs_number=nhs_number.test_number(7)), W
    ).person_id
    assert candidate and survivor and candidate != survivor
    merges.merge(mpi, survivor=survivor, retired=candidate, rule="operator")
    (line,) = [x for x in runner.invoke(app, ["review", "list"]).output.splitlines() if "\t" in x]
    assert f"\t{candidate} (now {survivor})\t" in line and "linked=" not in line
    untraced = resolve(mpi, UNTRACED_ANNA, W).person_id
    assert untraced not in (None, survivor)
    traced = record(
        UNTRACED_ANNA, nhs_number=nhs_number.test_number(7), nhs_status=NhsStatus.VERIFIED
    )
    resolve(mpi, traced, W)
    listed = runner.invoke(app, ["review", "list"]).output
    assert f"RD8:H9\tnhs-number-elsewhere\t{survivor}\t" in listed
    assert f"linked={untraced}" in listed and "2 pending" in listed


def test_merge_unmerge_and_explain(mpi: psycopg.Connection[Any]) -> None:
    """merge then unmerge by id; explain prints rule, levels and history without PHI."""
    first = resolve(mpi, ANNA, W).person_id
    second = resolve(
        mpi,
        record(
            org="GP1",
            local_id="G7",
            nhs_number=None,
            given_name="Zofia",
            birth_date=date(1950, 11, 20),
            postcode="MK8 8JH",  # another household: not even a candidate
            address="3 Mill Lane",
        ),
        W,
    ).person_id
    merged = runner.invoke(app, ["merge", str(first), str(second)])
    assert f"MERGE person={first} previous={second} source_keys=GP1:G7" in merged.output
    unmerged = runner.invoke(app, ["unmerge", "1"])
    assert f"UNMERGE person={second} previous={first}" in unmerged.output
    explained = runner.invoke(app, ["explain", "GP1:G7"])
    assert explained.exit_code == 0
    assert f"GP1:G7 -> person {second}" in explained.output
    assert "history:" in explained.output and "unmerge operator" in explained.output
    for value in ("Zofia", "Kowalski", "1950", "LU1", ANNA.nhs_number or "x"):
        assert value not in explained.output


def test_explain_unknown_record(mpi: psycopg.Connection[Any]) -> None:
    """explain on an unlinked key says so and exits 1."""
    result = runner.invoke(app, ["explain", "XX:1"])
    assert result.exit_code == 1 and "not linked" in result.output


def test_train_writes_a_new_version(
    mpi: psycopg.Connection[Any], tmp_path: Path, fixtures_dir: Path
) -> None:
    """train estimates weights from fake_1000 into a new, loadable version file."""
    records = convert(tmp_path / "f.csv", fixtures_dir / "linkage" / "fake_1000.csv")
    result = runner.invoke(
        app,
        [
            "train",
            "--records",
            str(records),
            "--version",
            "t1",
            "--auto-link",
            "13",
            "--review",
            "7",
            "--out-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    trained = load("t1", directory=tmp_path)
    assert (trained.thresholds.auto_link, trained.thresholds.review) == (13.0, 7.0)
    assert trained.source == "EM on f.csv (1000 records)"
    # The shipped fake_1000 file ended at 0.991 (EM explained blocked non-matches as matches);
    # now EM converges to a proportion of the blocked pairs that can be true (issue 13).
    assert 0.5 < trained.match_proportion < 0.95
    assert "converged, match proportion" in result.output


@pytest.mark.parametrize("version", ["../escaped", "<absolute>", ".hidden", "a b"])
def test_train_refuses_an_unsafe_version(
    mpi: psycopg.Connection[Any], tmp_path: Path, fixtures_dir: Path, version: str
) -> None:
    """train refuses a version that is not a plain file name, and writes nothing anywhere."""
    records = convert(tmp_path / "f.csv", fixtures_dir / "linkage" / "fake_1000.csv")
    out_dir = tmp_path / "weights"
    version = version.replace("<absolute>", str(tmp_path / "escaped"))
    args = ["train", "--records", str(records), "--version", version, "--out-dir", str(out_dir)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "version must be" in result.output
    assert not list(tmp_path.rglob("*.json"))
