"""The public pages: no sign-in, no audit row (they disclose nothing about anyone).

======  ===========================  ==========================================================
method  path                         answer
======  ===========================  ==========================================================
GET     /about                       the plain-language notice (``static/about.html``)
GET     /organisations               the organisations taking part (HTML)
GET     /api/public/organisations    the same list as JSON (in the OpenAPI document)
======  ===========================  ==========================================================

Why no audit row: the audit log records who looked at whose record; these pages are the same
for everyone and name organisations only. Auditing them would let anonymous traffic grow the
insert-only audit chain (noise for the IG officer, and a cheap way to fill the table). The
guard still applies its limits and logs the route and status. The registry behind the list is
read at most every 30 s (``directory.py``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from consumers.api.directory import OrganisationDirectory
from consumers.api.errors import NotFoundError, ServiceUnavailableError
from consumers.api.models import ErrorBody
from consumers.api.public_pages import public_list, render_list
from consumers.api.web import PAGE_HEADERS, error_body, json_response

__all__ = ["PUBLIC_PATHS", "PublicOrganisationOut", "PublicOrganisations", "router"]

PUBLIC_PATHS = frozenset({"/about", "/organisations", "/api/public/organisations"})
router = APIRouter()
_CACHE = {"Cache-Control": "public, max-age=60"}


class PublicOrganisationOut(BaseModel):
    """One organisation as the public sees it."""

    ods_code: str
    name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    live_since: str | None


class PublicOrganisations(BaseModel):
    """The organisations taking part, and where the notice is."""

    organisations: list[PublicOrganisationOut]
    notice: str


def _listed(request: Request) -> list[PublicOrganisationOut]:
    directory: OrganisationDirectory | None = request.app.state.directory
    if directory is None:
        raise ServiceUnavailableError("organisation registry not configured")
    return [
        PublicOrganisationOut(
            ods_code=o.ods_code,
            name=o.name,
            kind=o.kind,
            kind_label=o.kind_label,
            status=o.status,
            status_label=o.status_label,
            live_since=o.live_since.isoformat() if o.live_since else None,
        )
        for o in public_list(directory.organisations())
    ]


@router.get("/about", include_in_schema=False)
def about(request: Request) -> Response:
    """How information is shared, with whom, why, and how to object."""
    found = request.app.state.assets.get("/about")
    if found is None:
        raise NotFoundError("no such file")
    kind, body = found
    return Response(body, headers={"Content-Type": kind, **PAGE_HEADERS})


@router.get("/organisations", include_in_schema=False)
def organisations_page(request: Request) -> Response:
    """The organisations taking part, as a page."""
    directory: OrganisationDirectory | None = request.app.state.directory
    try:
        if directory is None:
            raise ServiceUnavailableError("organisation registry not configured")
        html = render_list(public_list(directory.organisations()))
    except ServiceUnavailableError:
        headers = {**PAGE_HEADERS, "Content-Type": "text/plain; charset=utf-8"}
        text = "The list of organisations is unavailable; try again shortly."
        return Response(text, status_code=503, headers=headers)
    return Response(html, headers={**PAGE_HEADERS, "Content-Type": "text/html; charset=utf-8"})


@router.get(
    "/api/public/organisations",
    response_model=None,
    responses={200: {"model": PublicOrganisations}, 503: {"model": ErrorBody}},
    tags=["public"],
)
def organisations_json(request: Request) -> Response:
    """The organisations taking part (no sign-in): name, kind, status and since when each
    shares; ``notice`` is the page that says what is shared and how to object."""
    try:
        listed = _listed(request)
    except ServiceUnavailableError as exc:
        return json_response(503, error_body(str(exc)))
    body = PublicOrganisations(organisations=listed, notice="/about")
    return json_response(200, body.model_dump(), headers=_CACHE)
