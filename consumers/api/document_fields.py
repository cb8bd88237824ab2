"""A clinical document as pages show it: metadata and links, never its bytes. Pure.

The record, the timeline and FHIR DocumentReference carry a document's type, dates, author,
title, content type and size, and where to get it: the https ``url`` where the source keeps
it (a link for the clinician's browser, never fetched by the service), or, when it is attached,
``content_url``, the route of its bytes (``document_content.py`` serves them after the same
checks as the record). A page of 50 attached documents is then a few kilobytes, not up to
about 35 MB of base64.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from consumers.api.fhir.mapping import fhir_item_id

__all__ = ["DOCUMENT", "content_path", "shown_fields"]

DOCUMENT = "document"


def content_path(person_id: str, org: str, source_record_id: str) -> str:
    """The viewer route of a document's bytes (its id written as FHIR writes it: URL-safe)."""
    document_id = fhir_item_id(org, source_record_id)
    return f"/api/persons/{quote(person_id, safe='')}/documents/{document_id}/content"


def shown_fields(source: Mapping[str, Any]) -> dict[str, Any]:
    """The document fields of an indexed item as pages show them: metadata, never the bytes;
    ``content_url`` is the route of its bytes when it is attached (None when the source keeps
    it at ``url``)."""
    fields = dict(source.get(DOCUMENT) or {})
    fields.pop("data", None)  # not read for pages (queries.NOT_SHOWN); never shown if it were
    org, record_id = str(source.get("org") or ""), str(source.get("source_record_id") or "")
    person_id = str(source.get("person_id") or "")
    attached = fields.get("url") is None
    fields["content_url"] = content_path(person_id, org, record_id) if attached else None
    return fields
