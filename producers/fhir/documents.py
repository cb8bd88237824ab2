"""DocumentReference -> document events (schema ``document``): clinical documents' metadata.

The kind of document is ``type``, LOINC then SNOMED CT preferred (an uncoded type is
rejected). ``status`` ``current`` or ``superseded``; ``entered-in-error`` withdraws the event
(see :mod:`producers.fhir.header`). ``date`` (else ``context.period.start``, else
``meta.lastUpdated``) is when it was written; ``description``; the first ``author`` (or else
the ``custodian``) that is an organisation with an ODS code (a named practitioner is never
copied). The document is the first ``content.attachment``: its ``url`` when the source keeps
it (an https URL; the record shows it as a link and never fetches it), or its ``data`` attached
inline (base64, at most :data:`~schemas.attachments.MAX_ATTACHMENT_BYTES` decoded: a larger
one is rejected, to be sent by URL), with ``contentType``, ``title`` and ``size``. Dropped on
purpose: ``docStatus``, ``relatesTo``, security labels other than confidentiality, the
authenticator, formats, the clinical context beyond its period.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from producers.fhir.codes import CodeSystem, code_from
from producers.fhir.elements import Json, child, items, meta_of, string
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.organisations import ods_code
from producers.fhir.times import first_timestamp
from schemas.attachments import MAX_ATTACHMENT_BYTES
from schemas.events import RecordType, SourceEvent

STATUS = {"current": "CURRENT", "superseded": "SUPERSEDED", "entered-in-error": "CURRENT"}
_TYPE_PREFERENCE = (CodeSystem.LOINC, CodeSystem.SNOMED)
_ATTACHMENT = "DocumentReference.content[0].attachment"


def map_document(ctx: Context) -> list[SourceEvent]:
    """One document event for a DocumentReference."""
    resource = ctx.resource
    status = string(resource, "status") or ""
    if status not in STATUS:
        raise MappingError("DocumentReference.status: missing or not an R4 status")
    patient = referenced_patient(resource, "subject", ctx.document)
    written, recorded = _times(resource)
    payload = {
        "header": header(
            ctx, RecordType.DOCUMENT, patient=patient, occurred_at=written, recorded_at=recorded
        ),
        "type": code_from(
            child(resource, "type"), "DocumentReference.type", prefer=_TYPE_PREFERENCE
        ),
        "status": STATUS[status],
        "date": first_timestamp((resource, "date", "DocumentReference.date")),
        "description": string(resource, "description"),
        "author_org": ods_code(
            items(resource, "author") + ([c] if (c := child(resource, "custodian")) else []),
            ctx.document,
            within=resource,
        ),
        **_content(resource),
    }
    return [SourceEvent(RecordType.DOCUMENT, payload)]


def _content(resource: Json) -> dict[str, Any]:
    content = items(resource, "content")
    attachment = child(content[0], "attachment") if content else None
    return attachment_content(attachment, _ATTACHMENT)


def attachment_content(attachment: Json | None, path: str) -> dict[str, Any]:
    """The ``title``, ``content_type``, ``url``, ``data`` and ``size`` of a document event
    from one FHIR Attachment: its ``data`` attached (base64, at most 512 KiB decoded), else its
    ``url`` kept at the source (https only). MappingError names ``path`` and the rule."""
    if attachment is None:
        raise MappingError(f"{path}: missing")
    url, encoded = string(attachment, "url"), string(attachment, "data")
    if encoded is not None:
        data = _decoded(encoded, path)
        url = None  # the document itself is here: a URL next to it would say it twice
    elif url is not None:
        data = None
        if not url.startswith("https://"):
            raise MappingError(f"{path}.url: not an https URL")
    else:
        raise MappingError(f"{path}: neither url nor data")
    size = attachment.get("size")
    return {
        "title": string(attachment, "title"),
        "content_type": string(attachment, "contentType"),
        "url": url,
        "data": data,
        "size": len(data) if data is not None else (size if _count(size) else None),
    }


def _decoded(encoded: str, path: str) -> bytes:
    # The encoded form is 4/3 of the decoded one: refuse before decoding a huge string.
    if len(encoded) > (MAX_ATTACHMENT_BYTES + 2) // 3 * 4 + 4:
        raise MappingError(_too_large(path))
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise MappingError(f"{path}.data: not base64") from None
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise MappingError(_too_large(path))
    return data


def _too_large(path: str) -> str:
    return (
        f"{path}.data: larger than {MAX_ATTACHMENT_BYTES} bytes "
        "(keep the document at the source and send its url)"
    )


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _times(resource: Json) -> tuple[datetime, datetime]:
    updated = (meta_of(resource), "lastUpdated", "DocumentReference.meta.lastUpdated")
    written = first_timestamp(
        (resource, "date", "DocumentReference.date"),
        (
            child(child(resource, "context"), "period"),
            "start",
            "DocumentReference.context.period.start",
        ),
        updated,
    )
    if written is None:
        raise MappingError("DocumentReference.date: missing (and no other time of record)")
    return written, first_timestamp(updated) or written
