"""The data routes: demographic search, a person's record, and who the signed-in user is.

Each route depends on :data:`~consumers.api.deps.CurrentUser` (sign-in) and, for patient data,
:data:`~consumers.api.deps.Purpose`; the decisions are ``service.py``'s. A data answer tells the
request's audit trail what it disclosed; the guard writes the row before the answer leaves.
Query parameters are declared for the OpenAPI document, but validated by ``validation.py`` from
the raw query (a repeated parameter is a 400, and a message never repeats a value).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from consumers.api import service, validation
from consumers.api.access import PersonDocuments
from consumers.api.acting import ActingUser
from consumers.api.auth import Role
from consumers.api.authz import (
    AccessDecision,
    AccessPolicy,
    Category,
    decide,
    requested_categories,
)
from consumers.api.authz.break_glass import BreakGlass
from consumers.api.deps import CurrentUser, Purpose, SearchingUser, ports
from consumers.api.directory import names_of
from consumers.api.errors import RequestError, ServiceUnavailableError
from consumers.api.governance import governance
from consumers.api.guard import trail_of
from consumers.api.models import (
    ERRORS,
    ErrorBody,
    Me,
    Objection,
    RecordAnswer,
    RoleOut,
    SearchAnswer,
)
from consumers.api.org_names import named
from consumers.api.service import Answer, Authorise, Disclosure, QueryKind, RequestOutcome
from consumers.api.web import error_body, json_response
from mcr.core.logging import get_logger

__all__ = ["answered", "authoriser", "query_of", "respond", "router", "with_names"]

log = get_logger(__name__)
router = APIRouter()
_INTERNAL_ERROR = "internal error: no data returned"
_TEXT = Annotated[str | None, Query()]
_SEARCH_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERRORS,
    200: {"model": SearchAnswer, "description": "persons found (objectors without demographics)"},
    429: {"model": ErrorBody, "description": "too many searches (Retry-After says when)"},
}
_RECORD_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERRORS,
    200: {"model": RecordAnswer, "description": "the record after consent at read"},
    403: {"model": Objection, "description": "the patient objects, or the policy refuses"},
}


def query_of(request: Request) -> dict[str, list[str]]:
    """The query parameters by name, every value kept (a repeat is the validators' to refuse)."""
    query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, []).append(value)
    return query


def answered(answer: Callable[[datetime], Answer], now: datetime, fallback: Disclosure) -> Answer:
    """The answer, or the refusal a request error, an unavailable service or a bug becomes.

    A bug answers the fixed 500 body and is audited as an error like any other failure. Only
    the exception's type is logged: its message may hold what was searched for."""
    try:
        return answer(now)
    except RequestError as exc:
        outcome = RequestOutcome.FORBIDDEN if exc.status == 403 else RequestOutcome.REJECTED
        rejected = Disclosure(fallback.query_kind, fallback.person_ids, outcome)
        return Answer(exc.status, error_body(str(exc), exc.field), rejected)
    except ServiceUnavailableError as exc:
        log.warning("backing service unavailable", error_type=type(exc).__name__)
        failed = Disclosure(fallback.query_kind, fallback.person_ids, RequestOutcome.ERROR)
        return Answer(503, error_body(f"{exc}: no data returned"), failed)
    except Exception as exc:  # a bug: no data, but still its audit row
        log.error("api request failed", error_type=type(exc).__name__)
        failed = Disclosure(fallback.query_kind, fallback.person_ids, RequestOutcome.ERROR)
        return Answer(500, error_body(_INTERNAL_ERROR), failed)


def authoriser(
    request: Request, user: ActingUser, person_id: str, requested: Collection[Category]
) -> Authorise:
    """May ``user`` see ``requested`` of ``person_id``'s record: the role, a care
    relationship or an active break-glass (``authz.decide``), for every record route."""
    gov = governance(request)

    def authorise(documents: PersonDocuments, at: datetime) -> AccessDecision:
        def grant() -> BreakGlass | None:
            return gov.store.active(user.user_id, person_id, at)

        return decide(user.role, documents, grant, gov.policy, at, person_id=person_id,
                      requested=requested, window=gov.relationship_window)  # fmt: skip

    return authorise


def with_names(request: Request, answer: Answer, *, table: bool = True) -> Answer:
    """A 200 answer with the registry's name beside every ODS code it shows (``org_names``;
    ``table``: and a table of every code shown)."""
    if answer.status != 200:
        return answer
    names = names_of(request.app.state.directory)
    return Answer(answer.status, named(answer.body, names, table=table), answer.disclosure)


def respond(request: Request, answer: Answer) -> Response:
    trail_of(request.scope).disclose(answer.disclosure, answer.status)
    return json_response(answer.status, answer.body)


@router.get("/api/patients", responses=_SEARCH_RESPONSES, response_model=None)
def search_patients(
    *,
    request: Request,
    user: SearchingUser,
    purpose: Purpose,
    nhs_number: Annotated[str | None, Query(description="10 digits, Modulus 11")] = None,
    family_name: Annotated[str | None, Query(description="with birth_date")] = None,
    birth_date: Annotated[str | None, Query(description="YYYY-MM-DD, with family_name")] = None,
) -> Response:
    """Persons whose patient documents carry the NHS number, or the family name and birth
    date. Rate limited per user."""
    del user, purpose, nhs_number, family_name, birth_date  # read from the raw query below
    query, p = query_of(request), ports(request)
    kind = service.search_kind(query)
    result = answered(
        lambda now: with_names(
            request, service.search_patients(p.records, p.consent, query, now), table=False
        ),
        p.clock(),
        Disclosure(kind),
    )
    return respond(request, result)


@router.get("/api/persons/{person_id}/record", responses=_RECORD_RESPONSES, response_model=None)
def person_record(
    *,
    request: Request,
    user: CurrentUser,
    purpose: Purpose,
    person_id: Annotated[str, Path(description="as the identity stage issues them")],
    type_: Annotated[
        str | None,
        Query(
            alias="type",
            description=(
                "result, medication, encounter, condition, allergy, immunisation, procedure or "
                "document"
            ),
        ),
    ] = None,
    page: Annotated[str | None, Query(description="1-based page")] = None,
    page_size: Annotated[str | None, Query(description="1-100, default 50")] = None,
) -> Response:
    """Demographics and a page each of results, medications, encounters, problems,
    allergies, immunisations, procedures and documents, after consent at read; 403 when the
    patient objects; 404 when nothing is held."""
    del purpose, type_, page, page_size  # read from the raw query by validation.py
    query, p = query_of(request), ports(request)
    subject = validation.subject_of(person_id)

    def answer(now: datetime) -> Answer:
        found = validation.person_id(person_id)
        requested = requested_categories(validation.record_types(query),
                                         demographics="type" not in query)  # fmt: skip
        authorise = authoriser(request, user, found, requested)
        got = service.person_record(p.records, p.consent, found, query, now,
                                    authorise=authorise)  # fmt: skip
        return with_names(request, got)

    fallback = Disclosure(QueryKind.PERSON_RECORD, subject)
    return respond(request, answered(answer, p.clock(), fallback))


@router.get(
    "/api/me",
    response_model=None,
    responses={
        **{k: v for k, v in ERRORS.items() if k in (400, 401, 405, 500, 503)},
        200: {"model": Me, "description": "the user, their roles and the acting role"},
    },
)
def me(request: Request, user: CurrentUser) -> Response:
    """The signed-in user, their roles and the role this request acts in."""
    principal = user.principal
    policy = governance(request).policy
    body = Me(
        user_id=user.user_id,
        roles=[_role(role, policy) for role in principal.roles],
        acting_role=_role(user.role, policy),
        selected_role_id=str(principal.selected_role.role_id),
    )
    return json_response(200, body.model_dump())


def _role(role: Role, policy: AccessPolicy) -> RoleOut:
    categories = sorted(category.value for category in policy.categories_for(role.role_code))
    return RoleOut(role_id=str(role.role_id), org_code=str(role.org_code),
                   role_code=role.role_code, role_name=role.role_name,
                   categories=categories)  # fmt: skip
