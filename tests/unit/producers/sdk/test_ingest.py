"""File ingestion without a broker (dry runs) and the readers that turn files into events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from producers.model import AdapterResult, Rejection
from producers.sdk import sources
from producers.sdk.ingest import IngestSummary, collect_files, ingest
from producers.sdk.sources import read_fhir_file, read_hl7v2_file
from tests.unit.producers.sdk import stub_adapters
from tests.unit.producers.sdk.stub_adapters import fhir_stub, hl7_stub


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write a file under ``folder`` (creating parents) and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def read_fhir(path: Path) -> AdapterResult:
    """The FHIR reader bound to the stub adapter and test organisation."""
    return read_fhir_file(path, adapter=fhir_stub, org="RXX01", source_system="fhir-test")


def test_collect_files_recurses_and_filters_by_suffix(tmp_path: Path) -> None:
    """A folder yields its matching files at any depth, sorted; other suffixes are ignored."""
    write(tmp_path, "b.json", "{}")
    write(tmp_path, "sub/a.XML", "<x/>")
    write(tmp_path, "sub/readme.md", "#")
    found = collect_files(tmp_path, (".json", ".xml"))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["b.json", "sub/a.XML"]


def test_collect_files_takes_a_single_file_whatever_its_suffix(tmp_path: Path) -> None:
    """A file path is read as given, even with a suffix the folder scan would skip."""
    path = write(tmp_path, "message.txt", "MSH|")
    assert collect_files(path, (".hl7",)) == [path]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.json", "{not json", "not valid JSON"),
        ("a.json", "[1, 2]", "not a FHIR resource (expected a JSON object)"),
        ("a.json", b"\xff\xfe{}", "SourceFileError: not UTF-8 text"),
    ],
)
def test_fhir_reader_rejects_unusable_files(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    """Files the FHIR reader cannot use become one rejection at 'file' with the exact reason."""
    result = read_fhir(write(tmp_path, name, content))
    assert (result.events, result.rejections) == ([], [Rejection("file", reason)])


def test_xml_errors_from_the_parser_are_rejections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The XML parser's error becomes a rejection; events flow otherwise."""
    monkeypatch.setattr(sources, "parse_fhir_xml", stub_adapters.parse_xml_stub)
    good = read_fhir(write(tmp_path, "a.xml", '<Bundle n="2"/>'))
    bad = read_fhir(write(tmp_path, "b.xml", "<Bundle/>"))
    assert (len(good.events), good.rejections) == (2, [])
    assert bad.rejections == [Rejection("file", "adapter failed (IndexError)")]


def test_fhir_reader_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    """A UTF-8 BOM before the JSON is ignored."""
    path = write(tmp_path, "a.json", b"\xef\xbb\xbf" + json.dumps({"entry": [{}]}).encode())
    assert len(read_fhir(path).events) == 1


def test_adapter_exceptions_keep_the_type_but_not_the_message(tmp_path: Path) -> None:
    """A third-party exception is reported by type only: its message may quote content."""
    path = write(tmp_path, "empty.hl7", "PID|1||MRN0001||Example^Testy")
    result = read_hl7v2_file(path, adapter=hl7_stub, org="RXX01", source_system="pas")
    assert result.rejections == [Rejection("file", "adapter failed (ValueError)")]
    assert "Example" not in result.rejections[0].reason


def test_hl7_reader_falls_back_to_latin_1(tmp_path: Path) -> None:
    """HL7 v2 files that are not UTF-8 are read as ISO 8859-1, not rejected."""
    path = write(tmp_path, "m.hl7", "MSH|^~\\&|caf\xe9".encode("latin-1"))
    result = read_hl7v2_file(path, adapter=hl7_stub, org="RXX01", source_system="pas")
    assert (len(result.events), result.rejections) == (1, [])


def test_dry_run_counts_valid_events_and_locates_every_rejection(tmp_path: Path) -> None:
    """A dry run validates every event: counts by type, rejections with file and reason."""
    write(tmp_path, "one.json", json.dumps({"entry": [{}, "bad"], "skipped": {"Immunization": 2}}))
    write(tmp_path, "sub/two.json", json.dumps({"entry": [{"nhs_number": "9990000017"}, {}]}))
    write(tmp_path, "three.json", "nope")
    files = collect_files(tmp_path, (".json",))
    summary = ingest(files, root=tmp_path, read=read_fhir, publisher=None)
    assert summary == IngestSummary(
        dry_run=True,
        files_read=3,
        sent={"result": 2},
        rejected=[
            Rejection("one.json: Bundle.entry[1]", "code: missing"),
            Rejection(
                "sub/two.json: event 0 (result)",
                "result.header.nhs_number: fails the Modulus 11 check",
            ),
            Rejection("three.json: file", "not valid JSON"),
        ],
        skipped={"Immunization": 2},
    )
    assert summary.exit_code == 2


@pytest.mark.parametrize(
    ("rejected", "failed", "code"),
    [(0, 0, 0), (1, 0, 2), (0, 1, 1), (1, 1, 2)],
)
def test_exit_codes(rejected: int, failed: int, code: int) -> None:
    """0 when all went, 2 when anything was rejected, 1 when only deliveries failed."""
    summary = IngestSummary(
        rejected=[Rejection("f", "r")] * rejected, failed=[Rejection("f", "d")] * failed
    )
    assert summary.exit_code == code
