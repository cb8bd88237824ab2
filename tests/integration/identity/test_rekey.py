"""Re-keying the MPI's stored blocking keys on a real PostgreSQL: records linked under older
key rules become findable by the current ones; runs are idempotent and resumable."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from deploy.local import StackSettings
from streams.identity import repository
from streams.identity.blocking import blocking_keys, search_keys
from streams.identity.cli import app
from streams.identity.demographics import Demographics
from streams.identity.normalise import profile
from streams.identity.rekey import rekey
from streams.identity.resolver import resolve
from streams.identity.weights import load
from tests.unit.streams.identity.people import record

W = load()
PEOPLE = [
    record(
        local_id=f"H{i}",
        nhs_number=None,
        given_name=given,
        family_name=family,
        birth_date=date(1980 + i, 3, 7),
    )
    for i, (given, family) in enumerate(
        [
            ("Anna", "Kowalski"),
            ("Bola", "Adeyemi"),
            ("Carl", "Dunn"),
            ("Dora", "Evans"),
            ("Emil", "Fisher"),
        ]
    )
]


@pytest.fixture
def mpi(pg_conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """Five complete records, each its own person, stored as before the marked locality keys
    (complete records carried no locality keys) plus one key no rule makes any more."""
    repository.migrate(pg_conn)
    persons = {resolve(pg_conn, person, W).person_id for person in PEOPLE}
    assert None not in persons and len(persons) == len(PEOPLE)
    pg_conn.execute("DELETE FROM blocking_keys WHERE key LIKE 'c%'")
    pg_conn.execute(
        "INSERT INTO blocking_keys (key, org, local_id) VALUES ('il:AK:LU12AB', 'RD8', 'H0')"
    )
    return pg_conn


def _stored(conn: psycopg.Connection[Any], record: Demographics) -> set[str]:
    rows = conn.execute(
        "SELECT key FROM blocking_keys WHERE org = %s AND local_id = %s",
        (record.org, record.local_id),
    ).fetchall()
    return {row[0] for row in rows}


def test_rekey_stores_the_current_keys_and_a_second_run_changes_nothing(
    mpi: psycopg.Connection[Any],
) -> None:
    """Every record ends with exactly its current keys; counts add up; run again: nothing."""
    seen: list[int] = []
    report = rekey(mpi, batch_size=2, on_batch=lambda b: seen.append(b.records))
    assert seen == [2, 2, 1]
    assert (report.records, report.changed, report.batches) == (5, 5, 3)
    assert report.added == 15 and report.removed == 1  # cfl, cgl, cst each; the stale il
    assert report.last == ("RD8", "H4")
    for person in PEOPLE:
        assert _stored(mpi, person) == set(blocking_keys(profile(person)))
    again = rekey(mpi, batch_size=2)
    assert (again.records, again.changed, again.added, again.removed) == (5, 0, 0, 0)


def test_rekey_makes_an_old_record_findable_by_a_record_lacking_its_birth_date(
    mpi: psycopg.Connection[Any],
) -> None:
    """An undated record with a misspelt given name (no shared name key) finds Anna's complete record
    through the marked locality keys only once she is re-keyed."""
    undated = record(org="GP1", local_id="G1", given_name="Hanna", birth_date=None, nhs_number=None)
    keys = search_keys(profile(undated))

    def found() -> set[str]:
        return {r.local_id for c in repository.candidates(mpi, keys) for r in c.records}

    assert "H0" not in found()
    rekey(mpi)
    assert "H0" in found()


def test_rekey_resumes_behind_a_source_key(mpi: psycopg.Connection[Any]) -> None:
    """Started after H2, only H3 and H4 are read and re-keyed."""
    report = rekey(mpi, batch_size=10, after=("RD8", "H2"))
    assert (report.records, report.changed, report.last) == (2, 2, ("RD8", "H4"))
    assert _stored(mpi, PEOPLE[0]) != set(blocking_keys(profile(PEOPLE[0])))
    assert _stored(mpi, PEOPLE[4]) == set(blocking_keys(profile(PEOPLE[4])))


def test_rekey_command_prints_counts_and_ids_only(
    mpi: psycopg.Connection[Any],
    stack: StackSettings,
    pg_schema: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`mcr identity rekey --json` reports the counts and the last source key, and no
    demographic value (name, postcode, address) appears in its output."""
    monkeypatch.setenv("MCR_IDENTITY_DSN", stack.identity_dsn)
    monkeypatch.setenv("MCR_IDENTITY_SCHEMA", pg_schema)
    result = CliRunner().invoke(app, ["rekey", "--batch-size", "3", "--json"])
    assert result.exit_code == 0, result.output
    assert '"records": 5, "changed": 5' in result.output and '"last": "RD8:H4"' in result.output
    for value in ("KOWALSKI", "Kowalski", "LU1", "High Street", "K420"):
        assert value not in result.output
    bad = CliRunner().invoke(app, ["rekey", "--after", "no-colon"])
    assert bad.exit_code == 2 and "--after" in bad.output


def test_rekey_command_on_a_schema_without_an_mpi(
    stack: StackSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A schema that holds no MPI is an error naming the schema, not a traceback."""
    monkeypatch.setenv("MCR_IDENTITY_DSN", stack.identity_dsn)
    monkeypatch.setenv("MCR_IDENTITY_SCHEMA", "no_such_mpi")
    result = CliRunner().invoke(app, ["rekey"])
    assert result.exit_code == 1 and "no MPI in schema no_such_mpi" in result.output
