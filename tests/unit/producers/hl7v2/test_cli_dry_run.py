"""``mcr produce hl7v2 --dry-run`` with the real adapter: the new message families are counted
per record type, and a PRB at fault is listed by field (nothing is sent)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from producers.cli import app

from .builders import message, msh, pid, read_fixture, segment

runner = CliRunner()


def cells(output: str, label: str) -> list[str]:
    """The cells of the first table row of ``output`` whose first cell is ``label``."""
    for line in output.splitlines():
        parts = [cell.strip() for cell in line.strip("│ ").split("│")]
        if parts[0] == label:
            return parts
    raise AssertionError(f"no row {label!r} in output")


def test_problems_diagnoses_and_vaccinations_are_counted_and_a_bad_prb_listed(
    tmp_path: Path,
) -> None:
    """A VXU (3 doses), an A03 with a DG1 and a PPR with a good and a bad PRB: 3
    immunisations, 2 conditions and an encounter; the bad PRB named by field, exit 2."""
    (tmp_path / "vxu.hl7").write_text(read_fixture("microsoft-fhir-converter/VXU.hl7"))
    (tmp_path / "a03.hl7").write_text(read_fixture("microsoft-fhir-converter/ADT-A03-01.hl7"))
    good = segment("PRB", {1: "AD", 2: "20240612093000", 3: "195967001^Asthma^SCT", 4: "P1"})
    bad = segment("PRB", {1: "AD", 2: "20240612093000", 3: "195967001^Asthma^SCT"})
    (tmp_path / "ppr.hl7").write_text(message(msh("PPR^PC1^PPR_PC1"), pid(), good, bad))

    result = runner.invoke(app, ["hl7v2", str(tmp_path), "--org", "RC9", "--dry-run"])

    assert result.exit_code == 2, result.output
    assert cells(result.output, "immunisation") == ["immunisation", "3"]
    assert cells(result.output, "condition") == ["condition", "2"]
    assert cells(result.output, "encounter") == ["encounter", "1"]
    assert "PRB-4: problem instance id missing" in result.output
