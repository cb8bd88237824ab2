"""DocumentReference -> document event: metadata, the document at the source or attached."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.attachments import MAX_ATTACHMENT_BYTES

from .builders import bundle, document_reference, patient, run


def _one(**fields: Any) -> dict[str, Any]:
    resource = {k: v for k, v in document_reference(**fields).items() if v is not None}
    result = run(bundle(patient(), resource))
    assert result.rejections == []
    return result.events[-1].payload


def _attached(data: str, content_type: str | None = "text/plain") -> list[dict[str, Any]]:
    attachment = {"data": data, "title": "Letter"}
    if content_type:
        attachment["contentType"] = content_type
    return [{"attachment": attachment}]


def test_a_document_kept_at_the_source_is_its_url() -> None:
    payload = _one()
    header = payload.pop("header")
    assert payload == {
        "type": {"system": "LOINC", "code": "18842-5", "display": "Discharge summary"},
        "status": "CURRENT",
        "date": datetime(2024, 3, 2, 16, 0, tzinfo=UTC),
        "description": "Discharge summary after appendicectomy",
        "author_org": "RC9",
        "title": "Discharge summary",
        "content_type": "application/pdf",
        "url": "https://documents.example.nhs.uk/RC9/ds-1.pdf",
        "data": None,
        "size": 48213,
    }
    assert header["occurred_at"] == datetime(2024, 3, 2, 16, 0, tzinfo=UTC)
    assert header["recorded_at"] == datetime(2024, 3, 2, 16, 5, tzinfo=UTC)
    assert header["source_record_id"] == "DocumentReference/doc-1"


def test_an_attached_document_is_its_bytes_and_size() -> None:
    text = b"Seen in clinic today.\n"
    payload = _one(content=_attached(base64.b64encode(text).decode()))
    assert (payload["data"], payload["size"], payload["url"]) == (text, len(text), None)
    assert payload["content_type"] == "text/plain"


def test_the_limit_is_inclusive() -> None:
    exact = base64.b64encode(b"x" * MAX_ATTACHMENT_BYTES).decode()
    assert _one(content=_attached(exact))["size"] == MAX_ATTACHMENT_BYTES


def test_superseded_is_kept_and_entered_in_error_withdraws_it() -> None:
    assert _one(status="superseded")["status"] == "SUPERSEDED"
    assert _one(status="entered-in-error")["header"]["operation"] == "ENTERED_IN_ERROR"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"status": "final"}, "DocumentReference.status: missing or not an R4 status"),
        ({"type": {"text": "letter"}}, "DocumentReference.type: no coding"),
        ({"content": None}, "DocumentReference.content[0].attachment: missing"),
        ({"content": [{"attachment": {"title": "x"}}]},
         "DocumentReference.content[0].attachment: neither url nor data"),
        ({"content": [{"attachment": {"url": "http://intranet.local/secret-name.pdf"}}]},
         "DocumentReference.content[0].attachment.url: not an https URL"),
        ({"content": _attached("not base64!")},
         "DocumentReference.content[0].attachment.data: not base64"),
        ({"content": _attached(base64.b64encode(b"x" * (MAX_ATTACHMENT_BYTES + 1)).decode())},
         f"DocumentReference.content[0].attachment.data: larger than {MAX_ATTACHMENT_BYTES} "
         "bytes (keep the document at the source and send its url)"),
        ({"date": None, "meta": None},
         "DocumentReference.date: missing (and no other time of record)"),
    ],
)  # fmt: skip
def test_unmappable_documents_are_rejected_by_field(fields: dict[str, Any], reason: str) -> None:
    """Problems are named by field path; the value is never repeated."""
    resource = {k: v for k, v in document_reference(**fields).items() if v is not None}
    result = run(bundle(patient(), resource))
    assert [r.reason for r in result.rejections] == [reason]
    assert "secret-name" not in result.rejections[0].reason
