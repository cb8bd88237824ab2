"""The timeline route: one record to read, across organisations and record types, searched
inside. Signed in, purpose given, authorised, consent at read and audited exactly as the
record route (``timeline.person_timeline`` opens the record through the same gate)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from consumers.api import timeline, validation
from consumers.api.deps import CurrentUser, Purpose, ports
from consumers.api.models import ERRORS, Objection, TimelineAnswer
from consumers.api.routes import answered, authoriser, query_of, respond, with_names
from consumers.api.service import Answer, Disclosure, QueryKind
from consumers.api.timeline_query import parse_timeline_query

__all__ = ["router"]

router = APIRouter()
_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERRORS,
    200: {"model": TimelineAnswer, "description": "a page of the timeline after consent at read"},
    403: {"model": Objection, "description": "the patient objects, or the policy refuses"},
}
_TYPES = "record types, comma-separated (default: every type the role may see)"
_FROM = "YYYY-MM-DD: occurred on or after"


@router.get("/api/persons/{person_id}/timeline", responses=_RESPONSES, response_model=None)
def person_timeline(
    *,
    request: Request,
    user: CurrentUser,
    purpose: Purpose,
    person_id: Annotated[str, Path(description="as the identity stage issues them")],
    text: Annotated[str | None, Query(description="words of the item text, all of them")] = None,
    code: Annotated[str | None, Query(description="a code of the item, exactly")] = None,
    type_: Annotated[str | None, Query(alias="type", description=_TYPES)] = None,
    org: Annotated[str | None, Query(description="ODS codes, comma-separated")] = None,
    from_: Annotated[str | None, Query(alias="from", description=_FROM)] = None,
    to: Annotated[str | None, Query(description="YYYY-MM-DD: occurred on or before")] = None,
    page: Annotated[str | None, Query(description="1-based page")] = None,
    page_size: Annotated[str | None, Query(description="1-100, default 50")] = None,
) -> Response:  # fmt: skip
    """Items of every type the role may see, newest first, each with its provenance,
    filtered by text, code, type, organisation and date range; 403 as the record route."""
    del purpose, text, code, type_, org, from_, to, page, page_size  # parsed from the raw query
    query, p = query_of(request), ports(request)
    subject = validation.subject_of(person_id)

    def answer(now: datetime) -> Answer:
        found = validation.person_id(person_id)
        asked = parse_timeline_query(query, record_types=validation.ITEM_TYPES)
        authorise = authoriser(request, user, found, timeline.asked_categories(asked))
        got = timeline.person_timeline(p.records, p.consent, found, asked, now,
                                       authorise=authorise)  # fmt: skip
        return with_names(request, got)

    fallback = Disclosure(QueryKind.PERSON_TIMELINE, subject)
    return respond(request, answered(answer, p.clock(), fallback))
