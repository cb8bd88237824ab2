"""link-eval on Splink's fake_1000 through the real MPI: precision first."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
import typer
from typer.testing import CliRunner

from deploy.local import StackSettings
from streams.identity.cli import link_eval_command
from tests.integration.identity.fake1000 import convert


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
    monkeypatch.setenv("MCR_POSTGRES_DSN", stack.postgres_dsn)
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
    assert {"precision", "recall", "f1", "review", "records", "records_per_s"} <= set(summary)
    assert _schemas(stack.postgres_dsn) == before
