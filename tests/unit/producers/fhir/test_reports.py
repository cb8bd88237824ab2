"""DiagnosticReport presentedForm -> document events linked to the report."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from producers.sdk import event_problems
from schemas.attachments import MAX_ATTACHMENT_BYTES

from .builders import NOTE_TEXT, bundle, diagnostic_report, patient, run

PDF = b"%PDF-1.4\n%%EOF\n"


def _documents(**fields: Any) -> list[dict[str, Any]]:
    result = run(bundle(patient(), diagnostic_report(**fields)))
    assert result.rejections == [] and result.skipped == {}
    documents = [e for e in result.events if e.record_type.value == "document"]
    assert all(event_problems(e) == [] for e in documents)
    return [e.payload for e in documents]


def _reason(**fields: Any) -> str:
    result = run(bundle(patient(), diagnostic_report(**fields)))
    [rejection] = result.rejections
    assert [e.record_type.value for e in result.events] == ["patient"]
    return rejection.reason


def test_a_clinical_note_is_one_attached_document_linked_to_its_report() -> None:
    """The report's code is the type, its effective time the date, its performer the author;
    the note's text is attached."""
    [payload] = _documents()
    header = payload.pop("header")
    assert payload == {
        "type": {"system": "LOINC", "code": "34117-2", "display": "History and physical note"},
        "status": "CURRENT", "date": datetime(2024, 3, 2, 10, 0, tzinfo=UTC),
        "description": None, "author_org": "RC9", "title": None,
        "content_type": "text/plain; charset=utf-8", "url": None, "data": NOTE_TEXT,
        "size": len(NOTE_TEXT),
    }  # fmt: skip
    assert header["source_record_id"] == "DiagnosticReport/note-1/presentedForm/0"
    assert header["occurred_at"] == datetime(2024, 3, 2, 10, 0, tzinfo=UTC)
    assert header["recorded_at"] == datetime(2024, 3, 2, 10, 0, 0, 123000, tzinfo=UTC)


def test_each_presented_form_is_a_document_of_its_own() -> None:
    """A text and a PDF rendering, and one kept at the source: three items, in order."""
    forms = [
        {"contentType": "text/plain", "data": base64.b64encode(b"text").decode()},
        {"contentType": "application/pdf", "data": base64.b64encode(PDF).decode(),
         "title": "Report"},
        {"contentType": "application/pdf", "url": "https://pacs.example.nhs.uk/r/1.pdf"},
    ]  # fmt: skip
    payloads = _documents(presentedForm=forms)
    assert [p["header"]["source_record_id"].rsplit("/", 1)[-1] for p in payloads] == [
        "0", "1", "2"]  # fmt: skip
    assert [p["content_type"] for p in payloads] == ["text/plain", *["application/pdf"] * 2]
    assert (payloads[1]["data"], payloads[1]["title"]) == (PDF, "Report")
    assert (payloads[2]["url"], payloads[2]["data"]) == ("https://pacs.example.nhs.uk/r/1.pdf",
                                                         None)  # fmt: skip
    assert len({p["header"]["event_id"] for p in payloads}) == 3


def test_a_report_without_a_presented_form_is_a_counted_skip() -> None:
    """Its results are Observations; the report adds nothing to the record."""
    report = {k: v for k, v in diagnostic_report().items() if k != "presentedForm"}
    result = run(bundle(patient(), report))
    assert (result.skipped, result.rejections) == ({"DiagnosticReport": 1}, [])
    cancelled = run(bundle(patient(), diagnostic_report(status="cancelled")))
    assert cancelled.skipped == {"DiagnosticReport(cancelled)": 1}


def test_times_fall_back_to_the_period_then_issued() -> None:
    [by_period] = _documents(effectiveDateTime=None,
                             effectivePeriod={"start": "2024-03-01T09:00:00Z"})  # fmt: skip
    assert by_period["date"] == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    [by_issue] = _documents(effectiveDateTime=None)
    assert by_issue["date"] == datetime(2024, 3, 2, 10, 0, 0, 123000, tzinfo=UTC)


def test_entered_in_error_withdraws_the_documents() -> None:
    [payload] = _documents(status="entered-in-error")
    assert payload["header"]["operation"] == "ENTERED_IN_ERROR"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"code": {"text": "note"}}, "DiagnosticReport.code: no coding"),
        ({"effectiveDateTime": None, "issued": None},
         "DiagnosticReport.effective[x]: missing (and no other time)"),
        ({"presentedForm": [{"contentType": "text/plain", "data": "not base64!"}]},
         "DiagnosticReport.presentedForm[0].data: not base64"),
        ({"presentedForm": [{"url": "http://intranet.local/secret-name.pdf"}]},
         "DiagnosticReport.presentedForm[0].url: not an https URL"),
        ({"presentedForm": [{"title": "x"}]},
         "DiagnosticReport.presentedForm[0]: neither url nor data"),
        ({"presentedForm": [{"contentType": "text/plain", "data": base64.b64encode(
            b"x" * (MAX_ATTACHMENT_BYTES + 1)).decode()}]},
         f"DiagnosticReport.presentedForm[0].data: larger than {MAX_ATTACHMENT_BYTES} bytes"),
    ],
)  # fmt: skip
def test_a_report_that_breaks_a_rule_is_rejected_naming_the_field(
    fields: dict[str, Any], reason: str
) -> None:
    """The whole report is rejected (its other forms too); the reason holds no value."""
    found = _reason(**fields)
    assert found.startswith(reason)
    assert "secret-name" not in found and "intranet" not in found
