"""The route of a clinical document's bytes: ``GET /api/persons/{person}/documents/{document}/
content``. Signed in, purpose given, authorised for the ``documents`` category, consent at read
and audited exactly as the record route (``document_content.document_content`` opens the
record through the same gate); a refusal is audited with the person asked for.

``{document}`` is the document's id as FHIR writes it (``<ODS code>.<escaped source record
id>``, the ``content_url`` of the record's pages). The bytes leave as a download that no
browser runs, sniffs or caches (``document_content.download_headers``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from consumers.api import document_content, validation
from consumers.api.authz import requested_categories
from consumers.api.deps import CurrentUser, Purpose, ports
from consumers.api.document_content import DocumentContent
from consumers.api.document_fields import DOCUMENT
from consumers.api.errors import NotFoundError
from consumers.api.fhir.mapping import item_doc_id
from consumers.api.guard import trail_of
from consumers.api.models import ERRORS, Objection
from consumers.api.routes import answered, authoriser, respond
from consumers.api.service import Answer, Disclosure, QueryKind

__all__ = ["router", "send_content"]

router = APIRouter()
_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERRORS,
    200: {"description": "the document's bytes, as an attachment (Content-Type as sent)",
          "content": {"application/octet-stream": {}}},
    403: {"model": Objection, "description": "the patient objects, or the policy refuses"},
}  # fmt: skip


def doc_id_of(document_id: str) -> str:
    """The index id of the document whose FHIR-style id is ``document_id`` (NotFoundError for
    anything else: an id that cannot be one is a document that does not exist)."""
    found = item_doc_id(DOCUMENT, document_id)
    if found is None:
        raise NotFoundError("document: no such document", field="document_id")
    return found


def send_content(request: Request, content: DocumentContent) -> Response:
    """The bytes as a download, after the audit trail is told what they disclosed."""
    trail_of(request.scope).disclose(content.disclosure, 200)
    headers = document_content.download_headers(content)
    return Response(content.data, status_code=200, headers=headers)


@router.get("/api/persons/{person_id}/documents/{document_id}/content", responses=_RESPONSES,
            response_model=None)  # fmt: skip
def document_bytes(
    *,
    request: Request,
    user: CurrentUser,
    purpose: Purpose,
    person_id: Annotated[str, Path(description="as the identity stage issues them")],
    document_id: Annotated[str, Path(description="the document's id (<ODS code>.<id>)")],
) -> Response:
    """An attached document's bytes; 403 as the record route; 404 when there is no such
    document of this person, when consent at read keeps it back, or when its source keeps it
    (open its url instead)."""
    del purpose
    p = ports(request)
    subject = validation.subject_of(person_id)
    sent: list[DocumentContent] = []

    def answer(now: datetime) -> Answer:
        found = validation.person_id(person_id)
        doc_id = doc_id_of(document_id)
        authorise = authoriser(request, user, found,
                               requested_categories((DOCUMENT,), demographics=False))  # fmt: skip
        got = document_content.document_content(p.records, p.consent, found, doc_id, now,
                                                authorise=authorise)  # fmt: skip
        if isinstance(got, Answer):
            return got
        sent.append(got)
        return Answer(200, {}, got.disclosure)

    result = answered(answer, p.clock(), Disclosure(QueryKind.DOCUMENT_CONTENT, subject))
    if result.status == 200 and sent:
        return send_content(request, sent[0])
    return respond(request, result)
