"""``mcr produce`` dry runs: which files are read, the summary printed, and the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from producers.cli import app
from producers.sdk import sources
from tests.unit.producers.sdk import stub_adapters

runner = CliRunner()


@pytest.fixture
def fhir_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in FHIR adapter is what the FHIR reader maps with (the real XML parser)."""
    monkeypatch.setattr(sources, "events_from_fhir", stub_adapters.fhir_stub)


def cells(output: str, label: str) -> list[str]:
    """The cells of the first table row of ``output`` whose first cell is ``label``."""
    for line in output.splitlines():
        parts = [cell.strip() for cell in line.strip("│ ").split("│")]
        if parts[0] == label:
            return parts
    raise AssertionError(f"no row {label!r} in output")


def bundle(folder: Path, name: str, entries: list[object]) -> None:
    """Write a stand-in FHIR document with the given entries."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"entry": entries}), encoding="utf-8")


@pytest.mark.usefixtures("fhir_adapter")
def test_dry_run_of_clean_folder_exits_zero(tmp_path: Path) -> None:
    """All files valid: exit 0, the summary counts files and valid events per record type."""
    bundle(tmp_path, "a.json", [{}, {}])
    bundle(tmp_path, "deep/b.json", [{}])
    result = runner.invoke(app, ["fhir", str(tmp_path), "--org", "RXX01", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert cells(result.output, "files read") == ["files read", "2"]
    assert cells(result.output, "events valid (dry run, not sent)")[1] == "3"
    assert cells(result.output, "result") == ["result", "3"]
    assert "Rejected" not in result.output


@pytest.mark.usefixtures("fhir_adapter")
def test_rejections_are_listed_and_exit_two(tmp_path: Path) -> None:
    """Adapter and validation rejections are printed with location and reason; exit code 2."""
    bundle(tmp_path, "a.json", [{}, "bad", {"nhs_number": "9990000017"}])
    (tmp_path / "c.xml").write_text("<Bundle", encoding="utf-8")
    result = runner.invoke(app, ["fhir", str(tmp_path), "--org", "RXX01", "--dry-run"])
    assert result.exit_code == 2, result.output
    assert "a.json: Bundle.entry[1]" in result.output
    assert "code: missing" in result.output
    assert "a.json: event 1 (result)" in result.output
    assert "result.header.nhs_number: fails the Modulus 11" in result.output
    assert "c.xml: file" in result.output
    assert "FhirXmlError: document: not well-formed XML" in result.output


@pytest.mark.usefixtures("fhir_adapter")
def test_xml_files_use_the_xml_parser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """.xml files are parsed by the FHIR XML parser and their events validated."""
    monkeypatch.setattr(sources, "parse_fhir_xml", stub_adapters.parse_xml_stub)
    (tmp_path / "c.xml").write_text('<Bundle n="4"/>', encoding="utf-8")
    result = runner.invoke(app, ["fhir", str(tmp_path), "--org", "RXX01", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert cells(result.output, "result") == ["result", "4"]


def test_hl7v2_reads_only_hl7_files_in_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hl7v2 picks .hl7 files from a folder (two messages in one file count twice)."""
    monkeypatch.setattr(sources, "events_from_hl7v2", stub_adapters.hl7_stub)
    (tmp_path / "a.hl7").write_text("MSH|1\rPID|\rMSH|2\rPID|", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("MSH|", encoding="utf-8")
    result = runner.invoke(app, ["hl7v2", str(tmp_path), "--org", "RXX01", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert cells(result.output, "files read") == ["files read", "1"]
    assert cells(result.output, "patient") == ["patient", "2"]


@pytest.mark.usefixtures("fhir_adapter")
def test_org_must_be_an_ods_code(tmp_path: Path) -> None:
    """An --org that is not letters and digits is a usage error before any file is read."""
    result = runner.invoke(app, ["fhir", str(tmp_path), "--org", "RX:1", "--dry-run"])
    assert result.exit_code == 2
    assert "must be an ODS code" in result.output
