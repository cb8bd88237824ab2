"""MDM document messages -> document events (TXA with its OBX: ED, RP or text lines)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import fastavro
import pytest

from producers.hl7v2 import events_from_hl7v2
from producers.model import AdapterResult
from producers.sdk import event_problems
from schemas.attachments import MAX_ATTACHMENT_BYTES
from schemas.sensitivity import labels_of

from .builders import (
    ORG,
    SMALL_PDF,
    SOURCE_SYSTEM,
    newest_schema,
    read_fixture,
    segment,
    uk_discharge_summary,
)


def _map(text: str) -> AdapterResult:
    return events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)


def _document(text: str) -> dict[str, Any]:
    result = _map(text)
    assert result.rejections == [] and result.skipped == {}
    [event] = result.events
    assert event.record_type.value == "document"
    assert event_problems(event) == []
    return event.payload


def _reason(text: str) -> str:
    result = _map(text)
    assert result.events == []
    [rejection] = result.rejections
    return rejection.reason


def _obx(value_type: str, value: str, number: str = "1", status: str = "F") -> str:
    return segment("OBX", {1: number, 2: value_type, 3: "DOC^Document^L", 5: value, 11: status})


def test_an_mdm_t02_with_an_encapsulated_pdf_is_one_attached_document() -> None:
    """TXA-2 DS -> LOINC discharge summary; TXA-12 is the item; the PDF's bytes, MIME type and
    size from OBX-5; written at TXA-6 (UK local time); the sender is the author; no person."""
    payload = _document(uk_discharge_summary())
    header = payload.pop("header")
    assert payload == {
        "type": {"system": "LOINC", "code": "18842-5", "display": "Discharge summary"},
        "status": "CURRENT", "date": datetime(2024, 6, 14, 10, 30, tzinfo=UTC),
        "description": None, "author_org": ORG, "title": None,
        "content_type": "application/pdf", "url": None, "data": SMALL_PDF,
        "size": len(SMALL_PDF),
    }  # fmt: skip
    assert header["source_record_id"] == "DOC-20240614-0001"
    assert header["occurred_at"] == datetime(2024, 6, 14, 10, 30, tzinfo=UTC)
    assert header["confidentiality"] == []
    assert "WHO" not in repr(payload) and "SMITH" not in repr(payload)


def test_the_event_encodes_with_the_newest_document_schema() -> None:
    payload = _document(uk_discharge_summary())
    fastavro.validate(payload, newest_schema("document"), raise_errors=True)


def test_text_lines_are_joined_into_one_plain_text_document() -> None:
    """TX/FT lines, in order, one per line; an HD study id is not part of the document."""
    text = uk_discharge_summary(
        _obx("HD", "1.2.840.1.1"), _obx("TX", "Admitted with chest pain.", "2"),
        _obx("FT", "Discharged home\\.br\\on aspirin.", "3"),
    )  # fmt: skip
    payload = _document(text)
    expected = b"Admitted with chest pain.\nDischarged home\non aspirin."
    assert payload["data"] == expected
    assert (payload["content_type"], payload["size"]) == (
        "text/plain; charset=utf-8",
        len(expected),
    )


def test_a_reference_pointer_keeps_the_document_at_the_source() -> None:
    url = "https://documents.example.nhs.uk/docs/DOC-20240614-0001.pdf"
    payload = _document(uk_discharge_summary(_obx("RP", f"{url}^RC971^AP^PDF")))
    assert (payload["url"], payload["data"], payload["content_type"]) == (
        url, None, "application/pdf")  # fmt: skip


@pytest.mark.parametrize(
    ("obx", "reason"),
    [
        ((_obx("RP", "http://documents.example/doc.pdf^RC971^AP^PDF"),),
         "OBX-5.1: reference pointer not an https URL"),
        ((_obx("ED", "^AP^PDF^Base64^"),), "OBX-5.5: encapsulated data missing"),
        ((_obx("ED", "^AP^PDF^Base64^not base64!"),), "OBX-5.5: not base64"),
        ((_obx("ED", "^AP^PDF^Hex^0A0B"),), "OBX-5.4: encoding not Base64 or A"),
        ((_obx("ED", "^^^Base64^QUJD"),), "OBX-5.2: type of data missing or not a MIME type"),
        ((_obx("ED", "^AP^P/DF^Base64^QUJD"),),
         "OBX-5.2: type of data missing or not a MIME type"),
        ((_obx("ED", "^AP^PDF^Base64^QUJD"), _obx("ED", "^AP^PDF^Base64^QUJD", "2")),
         "OBX-2: more than one ED or RP document in the message"),
        ((_obx("HD", "1.2.840.1.1"),), "OBX-5: no document (neither ED, RP nor text lines)"),
        ((_obx("TX", "withdrawn line", status="W"),),
         "OBX-5: no document (neither ED, RP nor text lines)"),
    ],
)  # fmt: skip
def test_a_document_that_breaks_a_rule_is_refused_naming_the_field(
    obx: tuple[str, ...], reason: str
) -> None:
    text = uk_discharge_summary(*obx)
    assert _reason(text) == reason
    assert "documents.example" not in reason


def test_an_attachment_over_the_limit_is_refused_before_decoding_and_after() -> None:
    """Over 512 KiB decoded is refused (send a reference pointer), text lines included."""
    big = base64.b64encode(b"x" * (MAX_ATTACHMENT_BYTES + 1)).decode()
    assert _reason(uk_discharge_summary(_obx("ED", f"^AP^PDF^Base64^{big}"))).startswith(
        f"OBX-5.5: larger than {MAX_ATTACHMENT_BYTES} bytes"
    )
    huge = big + "QUJD" * 10
    assert _reason(uk_discharge_summary(_obx("ED", f"^AP^PDF^Base64^{huge}"))).startswith(
        "OBX-5.5: larger than"
    )
    lines = [_obx("TX", "y" * 60_000, str(n)) for n in range(1, 10)]
    assert _reason(uk_discharge_summary(*lines)).startswith("OBX-5: larger than")
    exactly = base64.b64encode(b"x" * MAX_ATTACHMENT_BYTES).decode()
    payload = _document(uk_discharge_summary(_obx("ED", f"^AP^PDF^Base64^{exactly}")))
    assert payload["size"] == MAX_ATTACHMENT_BYTES


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, ("CURRENT", "UPSERT", [])),
        ({"f19": "OB"}, ("SUPERSEDED", "UPSERT", [])),
        ({"f19": "CA"}, ("CURRENT", "DELETE", [])),
        ({"f18": "V"}, ("CURRENT", "UPSERT", ["V"])),
        ({"f18": "R"}, ("CURRENT", "UPSERT", ["R"])),
        ({"f18": "U"}, ("CURRENT", "UPSERT", [])),
    ],
)  # fmt: skip
def test_availability_and_confidentiality(
    fields: dict[str, str], expected: tuple[str, str, list[str]]
) -> None:
    """TXA-19 (table 0273: OB superseded, CA withdraws) and TXA-18 (table 0272: V, R)."""
    payload = _document(uk_discharge_summary(**fields))
    header = payload["header"]
    assert (payload["status"], header["operation"], header["confidentiality"]) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("CN", {"system": "LOINC", "code": "11488-4", "display": "Consult note"}),
        ("PC", {"system": "LOCAL", "code": "PC", "display": "Psychiatric consultation"}),
        ("11506-3^Progress note^LN",
         {"system": "LOINC", "code": "11506-3", "display": "Progress note"}),
        ("373942005^Discharge summary^SCT",
         {"system": "SNOMED", "code": "373942005", "display": "Discharge summary"}),
        ("CLINLET^Clinic letter^L", {"system": "LOCAL", "code": "CLINLET",
                                     "display": "Clinic letter"}),
    ],
)  # fmt: skip
def test_document_type_from_table_0270_or_as_coded(value: str, code: dict[str, str]) -> None:
    assert _document(uk_discharge_summary(f2=value))["type"] == code


def test_title_creating_facility_and_times() -> None:
    """TXA-25 title, TXA-27 an ODS code is the author (a name is not), TXA-4 when no TXA-6."""
    payload = _document(uk_discharge_summary(f6="", f25="Discharge letter", f27="RC9"))
    assert (payload["title"], payload["author_org"]) == ("Discharge letter", "RC9")
    assert payload["date"] == datetime(2024, 6, 14, 9, 0, tzinfo=UTC)
    assert _document(uk_discharge_summary(f27="Luton and Dunstable"))["author_org"] == ORG


@pytest.mark.parametrize(
    ("fields", "reason"),
    [({"f12": ""}, "TXA-12: unique document number missing"),
     ({"f2": ""}, "TXA-2: document type missing"),
     ({"f6": "2024-06-14"}, "TXA-6")],
)  # fmt: skip
def test_a_txa_that_breaks_a_rule_refuses_the_message(fields: dict[str, str], reason: str) -> None:
    assert _reason(uk_discharge_summary(**fields)).startswith(reason)


@pytest.mark.parametrize("trigger", ["T04", "T06", "T08", "T10"])
def test_the_other_content_triggers_map_alike(trigger: str) -> None:
    assert _document(uk_discharge_summary(trigger=trigger))["size"] == len(SMALL_PDF)


@pytest.mark.parametrize("trigger", ["T01", "T03", "T05", "T09", "T11"])
def test_notifications_without_content_are_skipped(trigger: str) -> None:
    result = _map(uk_discharge_summary(trigger=trigger))
    assert (result.events, result.skipped) == ([], {f"MDM^{trigger}": 1})


def test_a_document_typed_with_a_sensitive_code_is_sensitive_without_a_label() -> None:
    """HL7 v2 carries no label: the code lists make the document sensitive all the same."""
    payload = _document(uk_discharge_summary(f2="714812005^Termination of pregnancy^SCT"))
    assert payload["header"]["confidentiality"] == []
    assert "termination-of-pregnancy" in labels_of("document", payload, ())


def test_microsofts_mdm_samples() -> None:
    """T02-03: 29 TX lines, TXA-2 DS; T02-02: TXA-12 is the item; T02-01's ED carries no
    data (refused naming OBX-5.5); T01 (notification only) skipped."""
    base = "microsoft-fhir-converter/"
    summary = _document(read_fixture(base + "MDM-T02-03.hl7"))
    assert summary["type"]["code"] == "18842-5"
    assert summary["data"].count(b"\n") == 28
    imaging = _document(read_fixture(base + "MDM-T02-02.hl7"))
    assert imaging["header"]["source_record_id"] == "1.2.840.317.5947431.51.20080131160038"
    assert _reason(read_fixture(base + "MDM-T02-01.hl7")) == "OBX-5.5: encapsulated data missing"
    assert _map(read_fixture(base + "MDM-T01-01.hl7")).skipped == {"MDM^T01": 1}
