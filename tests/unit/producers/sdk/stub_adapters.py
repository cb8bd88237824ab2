"""Stand-in FHIR and HL7 v2 adapters with the real adapters' signatures, for ingest tests.

They map a tiny made-up input format so tests control exactly which events and rejections an
input yields; the real adapters are tested by their own packages.
"""

from __future__ import annotations

from typing import Any

from producers.model import AdapterResult, Rejection
from schemas.events import RecordType
from tests.unit.schemas import samples


def fhir_stub(
    document: dict[str, Any], *, org: str, source_system: str, received_at: object = None
) -> AdapterResult:
    """Stand-in adapter: one result event per entry of a tiny bundle; rejects 'bad' entries."""
    result = AdapterResult(skipped=dict(document.get("skipped", {})))
    for index, entry in enumerate(document.get("entry", [])):
        if entry == "bad":
            result.rejections.append(Rejection(f"Bundle.entry[{index}]", "code: missing"))
        else:
            header = samples.header(org=org, source_system=source_system, **entry)
            result.events.append(samples.event(RecordType.RESULT, header=header))
    return result


def hl7_stub(text: str, *, org: str, source_system: str) -> AdapterResult:
    """Stand-in adapter: one patient event per MSH segment; raises on an empty message."""
    count = text.count("MSH|")
    if count == 0:
        raise ValueError(f"no MSH in {text!r}")
    header = samples.header(org=org, source_system=source_system)
    return AdapterResult(events=[samples.event(RecordType.PATIENT, header=header)] * count)


def parse_xml_stub(text: str) -> dict[str, Any]:
    """Stand-in FHIR XML parser: ``<Bundle n="2"/>`` becomes a bundle of two valid entries."""
    count = int(text.split('n="')[1].split('"', maxsplit=1)[0])
    return {"entry": [{}] * count}
