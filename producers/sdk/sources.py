"""Read one source file and map it to events with the FHIR or HL7 v2 adapter.

Each reader turns every failure (unreadable file, bad JSON or XML, an adapter error) into a
:class:`~producers.model.Rejection` located at the file, so one bad file never stops a folder.
Reasons name the problem, never the content. The adapters are ``producers.fhir`` and
``producers.hl7v2``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from mcr.core.errors import McrError
from producers.fhir import events_from_fhir, parse_fhir_xml
from producers.hl7v2 import events_from_hl7v2
from producers.model import AdapterResult, Rejection
from producers.sdk.errors import SourceFileError
from producers.sdk.ingest import FileReader

FHIR_SUFFIXES = (".json", ".xml")
HL7V2_SUFFIXES = (".hl7",)

FhirAdapter = Callable[..., AdapterResult]
"""``events_from_fhir(document, *, org, source_system, received_at) -> AdapterResult``"""
Hl7v2Adapter = Callable[..., AdapterResult]
"""``events_from_hl7v2(text: str, *, org: str, source_system: str) -> AdapterResult``"""


def fhir_reader(*, org: str, source_system: str) -> FileReader:
    """A reader for FHIR R4 JSON and XML files (the FHIR adapter)."""
    adapter: FhirAdapter = events_from_fhir
    return lambda path: read_fhir_file(path, adapter=adapter, org=org, source_system=source_system)


def hl7v2_reader(*, org: str, source_system: str) -> FileReader:
    """A reader for HL7 v2 files (the HL7 v2 adapter)."""
    adapter: Hl7v2Adapter = events_from_hl7v2
    return lambda path: read_hl7v2_file(path, adapter=adapter, org=org, source_system=source_system)


def read_fhir_file(
    path: Path, *, adapter: FhirAdapter, org: str, source_system: str
) -> AdapterResult:
    """Events of one FHIR file (``.xml`` is XML, anything else JSON); never raises."""
    return _guarded(lambda: _read_fhir(path, adapter, org=org, source_system=source_system))


def read_hl7v2_file(
    path: Path, *, adapter: Hl7v2Adapter, org: str, source_system: str
) -> AdapterResult:
    """Events of one HL7 v2 file (UTF-8, else ISO 8859-1 as HL7 v2 allows); never raises."""
    return _guarded(
        lambda: adapter(_read_text(path, fallback="latin-1"), org=org, source_system=source_system)
    )


def _read_fhir(path: Path, adapter: FhirAdapter, *, org: str, source_system: str) -> AdapterResult:
    text = _read_text(path, fallback=None)
    if path.suffix.lower() == ".xml":
        document = parse_fhir_xml(text)
    else:
        try:
            document = json.loads(text)
        except ValueError:
            return _rejected("not valid JSON")
    if not isinstance(document, dict):
        return _rejected("not a FHIR resource (expected a JSON object)")
    # A standalone resource without meta.lastUpdated is dated by when we received the file
    # (its modification time, so sending the same file twice gives the same versions).
    received_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return adapter(document, org=org, source_system=source_system, received_at=received_at)


def _read_text(path: Path, *, fallback: str | None) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFileError("file could not be read") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if fallback is None:
            raise SourceFileError("not UTF-8 text") from exc
        return data.decode(fallback)


def _guarded(read: Callable[[], AdapterResult]) -> AdapterResult:
    """Run ``read``; any error becomes one rejection naming its type (our errors: message)."""
    try:
        return read()
    except McrError as exc:  # our errors' messages are PHI-free by contract
        return _rejected(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # third-party messages may quote content: keep the type only
        return _rejected(f"adapter failed ({type(exc).__name__})")


def _rejected(reason: str) -> AdapterResult:
    return AdapterResult(rejections=[Rejection("file", reason)])
