"""A clinical document's attached bytes, apart from the pages that list it. Decisions only.

Pages (the record, the timeline, FHIR DocumentReference) carry a document's metadata only
(:mod:`consumers.api.document_fields`). The bytes are read for one document at a time by
:func:`document_content`, through the same gate as the record (:func:`service.open_record`:
objection, role and category ``documents``, care relationship or break-glass, consent at read
by person and source-key owner, sensitive labels and codes), so the content route can never
show what the record route would not.

How the bytes leave (:func:`download_headers`): as an attachment under a filename made of
the document's id (never its title, which may name the patient), with its content type only
when it is a well-formed MIME type (else ``application/octet-stream``), ``nosniff``, and a
Content-Security-Policy of ``sandbox`` with nothing allowed: an HTML or SVG document opened
from the viewer's origin can run no script, load nothing and reach nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consumers.api import access, service
from consumers.api.document_fields import DOCUMENT
from consumers.api.fhir.mapping import fhir_item_id
from consumers.api.service import (
    Answer,
    Authorise,
    ConsentSource,
    Disclosure,
    QueryKind,
    RecordSource,
    RequestOutcome,
)
from consumers.api.validation import Page
from consumers.api.web import error_body

__all__ = [
    "CONTENT_POLICY",
    "DocumentContent",
    "document_content",
    "download_headers",
    "safe_content_type",
]

OCTET_STREAM = "application/octet-stream"
_MIME = re.compile(
    r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
    r"([ \t]*;[ \t]*[a-z0-9-]{1,32}=[a-z0-9._-]{1,64})*",  # blanks, never CR or LF
    re.IGNORECASE,
)
_EXTENSIONS = {
    "application/pdf": ".pdf", "text/plain": ".txt", "text/html": ".html", "text/rtf": ".rtf",
    "application/rtf": ".rtf", "text/xml": ".xml", "application/xml": ".xml",
    "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif", "image/gif": ".gif",
    "image/svg+xml": ".svg", "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}  # fmt: skip
#: Nothing may run, load or be framed: an HTML or SVG document stays inert in the viewer's origin.
CONTENT_POLICY = (
    "sandbox; default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class DocumentContent:
    """The bytes of one attached document, how to send them, and what the audit row says."""

    data: bytes
    content_type: str
    filename: str
    disclosure: Disclosure


def safe_content_type(value: Any) -> str:
    """The attachment's content type when it is a well-formed MIME type, else octet-stream."""
    text = value.strip() if isinstance(value, str) else ""
    return text if _MIME.fullmatch(text) else OCTET_STREAM


def _filename(document_id: str, content_type: str) -> str:
    # A fixed table, not ``mimetypes`` (which reads the host's files): the same name anywhere.
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    return f"document-{document_id}{_EXTENSIONS.get(media, '.bin')}"


def download_headers(content: DocumentContent) -> dict[str, str]:
    """Headers that make the bytes a download no browser runs or sniffs, and no cache keeps."""
    return {
        "Content-Type": content.content_type,
        "Content-Disposition": f'attachment; filename="{content.filename}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": CONTENT_POLICY,
        "Cross-Origin-Resource-Policy": "same-origin",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _not_found(person_id: str, query_kind: QueryKind, kept_back: int, message: str) -> Answer:
    told = Disclosure(query_kind, (person_id,), RequestOutcome.NOT_FOUND, kept_back=kept_back)
    return Answer(404, error_body(message, "document_id"), told)


def document_content(
    records: RecordSource,
    consent: ConsentSource,
    person_id: str,
    doc_id: str,
    now: datetime,
    *,
    authorise: Authorise,
    query_kind: QueryKind = QueryKind.DOCUMENT_CONTENT,
) -> Answer | DocumentContent:
    """The bytes of the attached document ``doc_id`` of ``person_id``, after every check the
    record makes (an Answer says why not: 403 objection or refusal, 404 nothing held); 404
    when there is no such document of theirs, when consent at read keeps it back (as if it
    did not exist), or when the source keeps it (its URL is on the record's page)."""
    opened = service.open_record(records, consent, person_id, now, authorise=authorise,
                                 record_types=(DOCUMENT,), page=Page(1, 1, item_id=doc_id,
                                                                     content=True),
                                 query_kind=query_kind)  # fmt: skip
    if isinstance(opened, Answer):
        return opened
    screened = access.screen(opened.found.pages[DOCUMENT].hits, opened.read, now)
    if not screened.shown:
        return _not_found(person_id, query_kind, screened.kept_back, "document: no such document")
    hit = screened.shown[0]
    fields: Mapping[str, Any] = hit.source.get(DOCUMENT) or {}
    encoded = fields.get("data")
    if not isinstance(encoded, str):
        return _not_found(person_id, query_kind, 0,
                          "document: not attached (the source keeps it: open its url)")  # fmt: skip
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("document.data: not base64 in the index") from exc
    content_type = safe_content_type(fields.get("content_type"))
    document_id = fhir_item_id(str(hit.source.get("org") or ""),
                               str(hit.source.get("source_record_id") or ""))  # fmt: skip
    told = Disclosure(query_kind, (person_id,), RequestOutcome.SHOWN, 1, 0,
                      why=opened.decision.audit_fields())  # fmt: skip
    return DocumentContent(data, content_type, _filename(document_id, content_type), told)
