"""link-eval on Splink's fake_1000 through the real MPI: precision first."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer
from typer.testing import CliRunner

from deploy.local import StackSettings
from schemas import nhs_number
from streams.identity import repository
from streams.identity.cli import link_eval_command
from streams.identity.decision import Thresholds
from streams.identity.offline.linkeval import evaluate, evaluate_on
from streams.identity.offline.records_file import LabelledRecord, read_records
from streams.identity.offline.training import train
from streams.identity.twins import TwinEvidence
from streams.identity.weights import load, starting_weights
from tests.integration.identity.fake1000 import convert
from tests.integration.identity.febrl import convert as convert_febrl
from tests.unit.streams.identity.people import record


@pytest.fixture
def fake_1000(tmp_path: Path, fixtures_dir: Path) -> Path:
    """fake_1000 converted to the records format."""
    return convert(tmp_path / "fake_1000.csv", fixtures_dir / "linkage" / "fake_1000.csv")


def _schemas(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mcr_linkeval%'")
        return {r[0] for r in rows}


def test_fake_1000_precision_and_json_line(
    stack: StackSettings, fake_1000: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Precision on fake_1000 stays >= 0.99; the last line is JSON; the schema is dropped."""
    monkeypatch.setenv("MCR_IDENTITY_DSN", stack.identity_dsn)
    before = _schemas(stack.postgres_dsn)
    app = typer.Typer()
    app.command()(link_eval_command)
    result = CliRunner().invoke(app, ["--records", str(fake_1000), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["records"] == 1000 and summary["true_pairs"] == 2031
    assert summary["precision"] >= 0.99
    assert 0.2 <= summary["recall"] <= 1.0
    assert summary["review"] > 0 and summary["records_per_s"] > 0
    assert (summary["placeholder_records"], summary["placeholder_pairs"]) == (0, 0)
    assert {"precision", "recall", "f1", "review", "records", "records_per_s"} <= set(summary)
    assert _schemas(stack.postgres_dsn) == before


@pytest.fixture(scope="module")
def febrl4_part(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FEBRL 4's first 2,000 people, both sources (4,000 records), as a records CSV."""
    directory = tmp_path_factory.mktemp("febrl4")
    whole = convert_febrl("febrl4", directory / "febrl4.csv")
    lines = whole.read_text(encoding="utf-8").splitlines(keepends=True)
    part = directory / "febrl4-part.csv"
    part.write_text(
        lines[0] + "".join(line for line in lines[1:] if int(line.split("-")[1]) < 2000),
        encoding="utf-8",
    )
    return part


def test_link_eval_can_train_on_the_file_first(
    stack: StackSettings, fake_1000: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--train`` estimates weights from the file's own records (labels unused), says what
    EM and the twin count found (1,000 records are too few to rule twins out), and measures
    with them; nothing is written."""
    monkeypatch.setenv("MCR_IDENTITY_DSN", stack.identity_dsn)
    app = typer.Typer()
    app.command()(link_eval_command)
    result = CliRunner().invoke(app, ["--records", str(fake_1000), "--train", "--json"])
    assert result.exit_code == 0, result.output
    assert "EM: " in result.output and "converged" in result.output
    assert "registered apart in 1000 records: twin guard kept" in result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["weights_version"] == "trained-on-file" and summary["twin_guard"] is True
    assert summary["records"] == 1000 and summary["precision"] >= 0.99


def test_weights_trained_on_a_twin_free_set_link_more_and_stay_precise(
    stack: StackSettings, febrl4_part: Path
) -> None:
    """FEBRL 4's first 2,000 people (two sources, built one person at a time): EM on the
    unlabelled records finds no twins registered apart, so its weights drop the twin guard;
    every pair that guard held in review was one person, so recall rises, the review share
    falls and precision stays 1.0 (README, issue 13 fifth round). The same weights with the
    guard kept are the control."""
    rows = list(read_records(febrl4_part))
    start = replace(starting_weights(), thresholds=Thresholds(12.0, 6.0))
    fitted = train([r.demographics for r in rows], start=start, version="febrl4-part",
                   source="test", random_size=50_000)  # fmt: skip
    assert fitted.weights.twins == TwinEvidence(0, 4000) and not fitted.weights.expects_twins
    free = evaluate(stack.identity_dsn, rows, fitted.weights).to_json()
    kept = evaluate(stack.identity_dsn, rows, replace(fitted.weights, twins=None)).to_json()
    assert (free["twin_guard"], kept["twin_guard"]) == (False, True)
    assert free["precision"] == kept["precision"] == 1.0
    assert free["recall"] >= kept["recall"] + 0.04
    assert free["review_share"] <= kept["review_share"] - 0.02


def test_placeholder_pairs_are_reported_apart(pg_conn: psycopg.Connection[Any]) -> None:
    """A Baby record with the verified number of its holder links; one without a number is held
    back: both count in recall, and the placeholder pairs are also reported on their own."""
    repository.migrate(pg_conn)
    child = record(given_name="Oliver", birth_date=date(2024, 5, 2))
    other = record(
        child,
        local_id="H200",
        given_name="Amelia",
        family_name="Nowak",
        nhs_number=nhs_number.test_number(2),
    )
    records = [
        LabelledRecord("RD8:H100", "P1", child),
        LabelledRecord("E81001:G1", "P1", record(child, org="E81001", local_id="G1")),
        LabelledRecord("RD8:B1", "P1", record(child, local_id="B1", given_name="Baby")),
        LabelledRecord("RD8:H200", "P2", other),
        LabelledRecord(
            "RD8:B2", "P2", record(other, local_id="B2", given_name="Baby", nhs_number=None)
        ),
    ]
    summary = evaluate_on(pg_conn, records, load()).to_json()
    assert (summary["true_pairs"], summary["true_positive_pairs"]) == (4, 3)
    assert (summary["placeholder_records"], summary["placeholder_pairs"]) == (2, 3)
    assert summary["placeholder_recall"] == pytest.approx(2 / 3, abs=1e-6)
    assert summary["recall_without_placeholders"] == 1.0
    assert summary["review"] == 1


def test_impossible_birth_date_counts_as_missing(
    stack: StackSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """link-eval reads ``1856-86-18`` as a missing birth date, says so, and carries on; the JSON
    reports the invalid fields, blocking recall and review share."""
    monkeypatch.setenv("MCR_IDENTITY_DSN", stack.identity_dsn)
    path = tmp_path / "records.csv"
    path.write_text(
        "record_id,source,truth_id,nhs_number,given_name,family_name,birth_date,sex,postcode,"
        "address\n"
        "r1,A,t1,,Anna,Kowalski,1984-03-07,F,LU1 2AB,\n"
        "r2,B,t1,,Anna,Kowalski,1984-03-07,F,LU1 2AB,\n"
        "r3,B,t2,,Bola,Adeyemi,1856-86-18,M,,\n",
        encoding="utf-8",
    )
    app = typer.Typer()
    app.command()(link_eval_command)
    result = CliRunner().invoke(app, ["--records", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "invalid fields read as missing: birth_date 1" in result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["records"] == 3 and summary["invalid_fields"] == {"birth_date": 1}
    assert summary["blocking_recall"] == 1.0 and summary["candidate_pairs"] >= 1
    assert summary["review_share"] == 0.0
