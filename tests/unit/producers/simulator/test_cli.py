"""``simulate``: dry-run counts, truth file, argument checks, and no personal data in output."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from structlog.testing import capture_logs
from typer.testing import CliRunner

from producers.simulator import generate_person
from producers.simulator.cli import app
from producers.simulator.truth import TRUTH_HEADER

runner = CliRunner()


def _dry_run(*extra: str) -> str:
    result = runner.invoke(app, ["--people", "40", "--seed", "5", "--dry-run", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_dry_run_prints_counts_per_type_and_org_kind() -> None:
    """A dry run reports people, records, events, speed, and counts by type and org kind."""
    output = _dry_run()
    events = sum(len(generate_person(5, i).events) for i in range(40))
    assert "people: 40" in output and f"events: {events}" in output
    for label in ("events/s:", "seconds:", "patient:", "result:", "gp_practice:", "acute:"):
        assert label in output


def test_truth_file_is_written(tmp_path: Path) -> None:
    """--truth writes the header and one row per organisation record."""
    target = tmp_path / "truth.csv"
    _dry_run("--truth", str(target))
    with target.open(newline="") as stream:
        rows = list(csv.reader(stream))
    records = sum(len(generate_person(5, i).records) for i in range(40))
    assert tuple(rows[0]) == TRUTH_HEADER and len(rows) == records + 1


def test_output_and_logs_hold_no_personal_data() -> None:
    """Neither printed output nor logs contain names, NHS numbers, birth dates or postcodes."""
    with capture_logs() as logs:
        output = _dry_run()
    logged = repr(logs)
    assert logs and logs[-1]["event"] == "simulation finished"
    for i in range(40):
        person = generate_person(5, i).person
        for secret in (
            person.family_name,
            person.nhs_number or "-",
            person.birth_date.isoformat(),
            person.address.postcode,
        ):
            assert secret not in output and secret not in logged


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--people", "5", "--seed", "1", "--rate", "0"], "must be more than 0"),
        (["--people", "-1", "--seed", "1", "--dry-run"], "greater than or equal to 0"),
    ],
)
def test_bad_arguments_are_refused(args: list[str], message: str) -> None:
    """A zero rate or negative people count exits with a usage error."""
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2 and message in result.output
