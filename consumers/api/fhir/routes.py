"""The FHIR R4 read API under ``/fhir/R4`` (docs/fhir.md). Thin: every answer comes from the
record routes' own decisions (``service.search_patients``, ``service.person_record`` with
``routes.authoriser``: sign-in, role, care relationship or break-glass, consent at read), then
is mapped by ``mapping.py`` and wrapped by ``search.py``. The guard writes one audit row per
request with what was disclosed, as for the viewer.

Routes, for each item resource type of ``mapping.RESOURCES`` (Observation, MedicationStatement,
Encounter): ``GET /fhir/R4/<Type>?patient=...`` and ``GET /fhir/R4/<Type>/<id>``; and
``GET /fhir/R4/metadata``, ``GET /fhir/R4/Patient?...``, ``GET /fhir/R4/Patient/<id>``,
``GET /fhir/R4/Patient/<id>/$everything``, ``GET /fhir/R4/Binary/<id>`` (an attached
document's bytes, ``document_content.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from consumers.api import service, validation
from consumers.api.authz import requested_categories
from consumers.api.deps import CurrentUser, Purpose, SearchingUser, ports
from consumers.api.directory import names_of
from consumers.api.document_content import DocumentContent, document_content
from consumers.api.document_fields import DOCUMENT
from consumers.api.document_routes import send_content
from consumers.api.errors import NotFoundError, ValidationError
from consumers.api.fhir import mapping
from consumers.api.fhir import search as fs
from consumers.api.fhir.capability import capability_statement
from consumers.api.fhir.mapping import RESOURCES, OrgNames, ResourceKind
from consumers.api.guard import trail_of
from consumers.api.routes import answered, authoriser, query_of
from consumers.api.service import Answer, Disclosure, QueryKind
from consumers.api.validation import ITEM_TYPES, Page
from consumers.api.web import FHIR_JSON, error_body, fhir_response

__all__ = ["BASE", "router"]

BASE = "/fhir/R4"
# The CapabilityStatement describes these routes; the OpenAPI document stays the viewer API's.
router = APIRouter(prefix=BASE, tags=["FHIR R4"], include_in_schema=False)
_VERSION = "v1"
_PATIENT_PARAMS = frozenset({"identifier", "name", "birthdate"})
_NHS_PREFIX = f"{mapping.NHS_NUMBER_SYSTEM}|"
_PERSON = Annotated[str, Path(description="the person id (as the identity stage issues them)")]
_ITEM = Annotated[str, Path(description="<ODS code>.<escaped source record id>")]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + BASE


def _names(request: Request) -> OrgNames:
    """Organisation names from the registry (``directory.names_of``)."""
    return names_of(request.app.state.directory)


def _respond(request: Request, answer: Answer) -> Response:
    """The answer as FHIR JSON; an error body becomes an OperationOutcome of its message
    (messages never hold what the client sent, nor patient data)."""
    trail_of(request.scope).disclose(answer.disclosure, answer.status)
    if answer.status == 200:
        return fhir_response(200, answer.body)
    message = str(answer.body.get("error") or "request refused")
    return fhir_response(answer.status, fs.operation_outcome(answer.status, message))


def _kept_back(count: int) -> dict[str, Any] | None:
    if not count:
        return None
    note = (
        f"{count} item(s) on this page are not shown: withheld at the patient's request "
        "or sensitive"
    )
    return fs.operation_outcome(200, note, severity="information")


def _run(request: Request, answer: Callable[[datetime], Answer], fallback: Disclosure) -> Response:
    p = ports(request)
    return _respond(request, answered(answer, p.clock(), fallback))


@router.get("/metadata", response_model=None)
def metadata(request: Request) -> Response:
    """The CapabilityStatement (no sign-in: it says what is served, nothing about anyone)."""
    now = ports(request).clock().date().isoformat()
    return fhir_response(200, capability_statement(base=_base(request), version=_VERSION,
                                                   date=now))  # fmt: skip


def _patient_query(query: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The viewer search's query for a FHIR Patient search (raises naming the parameter)."""
    if not query or set(query) - _PATIENT_PARAMS:
        raise ValidationError("search: give identifier, or name with birthdate", field="query")
    identifier = validation.single(query, "identifier")
    if identifier is not None:
        if len(query) > 1:
            raise ValidationError("identifier: give it alone", field="identifier")
        if not identifier.startswith(_NHS_PREFIX):
            raise ValidationError(f"identifier: expected {_NHS_PREFIX}<NHS number>",
                                  field="identifier")  # fmt: skip
        return {"nhs_number": [identifier.removeprefix(_NHS_PREFIX)]}
    name, born = validation.single(query, "name"), validation.single(query, "birthdate")
    if name is None or born is None:
        raise ValidationError("name: give name with birthdate", field="name")
    return {"family_name": [name], "birth_date": [born]}


@router.get("/Patient", response_model=None)
def search_patient(request: Request, user: SearchingUser, purpose: Purpose) -> Response:
    """Patients by NHS number (``identifier``), or family name (``name``) with ``birthdate``.
    A person who objects is not listed (counted in the audit row only)."""
    del user, purpose
    query, p = query_of(request), ports(request)
    named: dict[str, list[str]] = {
        "nhs_number" if n == "identifier" else "family_name": [] for n in query
    }
    kind = service.search_kind(named)

    def answer(now: datetime) -> Answer:
        wanted = _patient_query(query)
        found = service.search_patients(p.records, p.consent, wanted, now)
        names = _names(request)
        resources = [
            mapping.patient(
                person["person_id"],
                [{**person["demographics"], "org": person.get("source_org")}],
                names,
            )
            for person in found.body["persons"]
            if not person["objects_to_sharing"]
        ]
        url = str(request.url)
        bundle = fs.searchset(_base(request), url, resources, total=len(resources))
        return Answer(200, bundle, found.disclosure)

    return _run(request, answer, Disclosure(kind))


def _person_answer(
    request: Request,
    user: CurrentUser,
    person_id: str,
    record_types: tuple[str, ...],
    page: Page,
    *,
    demographics: bool,
) -> Callable[[datetime], Answer]:
    """The record answer of ``person_id`` for these types (the viewer's decision path)."""

    def answer(now: datetime) -> Answer:
        p = ports(request)
        requested = requested_categories(record_types, demographics=demographics)
        query = {"type": list(record_types)} if len(record_types) == 1 else {}
        return service.person_record(p.records, p.consent, person_id, query, now,
                                     authorise=authoriser(request, user, person_id, requested),
                                     page=page)  # fmt: skip

    return answer


@router.get("/Patient/{person_id}", response_model=None)
def read_patient(request: Request, user: CurrentUser, purpose: Purpose,
                 person_id: _PERSON) -> Response:  # fmt: skip
    """The person as a Patient (their newest demographics); 403 when they object."""
    del purpose
    subject = validation.subject_of(person_id)

    def answer(now: datetime) -> Answer:
        found = validation.person_id(person_id)
        # Encounters are read (one) because a recent one is a care relationship; only
        # demographics are requested, so no encounter is disclosed.
        got = _person_answer(request, user, found, ("encounter",), Page(1, 1),
                             demographics=True)(now)  # fmt: skip
        if got.status != 200:
            return got
        demographics = got.body.get("demographics") or []
        if not demographics:
            raise NotFoundError("Patient: no demographics can be shown", field="id")
        return Answer(200, mapping.patient(found, demographics, _names(request)), got.disclosure)

    return _run(request, answer, Disclosure(QueryKind.PERSON_RECORD, subject))


def _next(request: Request, search: fs.ItemSearch, more: bool, path: str) -> str | None:
    if not more:
        return None
    return f"{_base(request)}{path}?{fs.PAGE_TOKEN}={fs.page_token(search.next_page())}"


@router.get("/Patient/{person_id}/$everything", response_model=None)
def everything(request: Request, user: CurrentUser, purpose: Purpose,
               person_id: _PERSON) -> Response:  # fmt: skip
    """The Patient and a page of each item type (``_count`` per type); ``next`` while any
    type has more. Sections the role may not see are left out."""
    del purpose
    subject = validation.subject_of(person_id)
    query = query_of(request)

    def answer(now: datetime) -> Answer:
        found = validation.person_id(person_id)
        if set(query) - {"_count", fs.PAGE_TOKEN}:
            raise ValidationError("a parameter is not supported here", field="query")
        wanted = query if fs.PAGE_TOKEN in query else {**query, "patient": [found]}
        search = fs.item_search(wanted, date_param=None)
        if search.person_id != found:
            raise ValidationError(f"{fs.PAGE_TOKEN}: not a page token of this search",
                                  field=fs.PAGE_TOKEN)  # fmt: skip
        got = _person_answer(request, user, found, ITEM_TYPES, search.as_page(),
                             demographics=True)(now)  # fmt: skip
        if got.status != 200:
            return got
        names, body = _names(request), got.body
        resources = []
        if search.page == 1 and body.get("demographics"):
            resources.append(mapping.patient(found, body["demographics"], names))
        more, total, kept = False, len(resources), 0
        for kind in RESOURCES.values():
            section = body.get(kind.section)
            if section is None:
                continue  # not permitted to this role
            resources += [kind.map(item, found, names) for item in section["items"]]
            more, total = more or section["has_more"], total + section["total"]
            kept += section["kept_back"]
        path = f"/Patient/{found}/$everything"
        bundle = fs.searchset(_base(request), str(request.url), resources, total=total,
                              next_url=_next(request, search, more, path),
                              outcome=_kept_back(kept))  # fmt: skip
        return Answer(200, bundle, got.disclosure)

    return _run(request, answer, Disclosure(QueryKind.PERSON_RECORD, subject))


def _searched(query: Mapping[str, Sequence[str]], kind: ResourceKind) -> tuple[str, ...]:
    """The person a search names, when it is well formed (for the audit row of a failure)."""
    try:
        return (
            fs.item_search(query, date_param=kind.date_param, category=kind.category).person_id,
        )
    except ValidationError:
        return ()


def _search_items(kind: ResourceKind) -> Callable[..., Response]:
    def search_items(request: Request, user: CurrentUser, purpose: Purpose) -> Response:
        del purpose
        query = query_of(request)

        def answer(now: datetime) -> Answer:
            search = fs.item_search(query, date_param=kind.date_param, category=kind.category)
            page = search.as_page(kind.category)
            got = _person_answer(request, user, search.person_id, (kind.record_type,), page,
                                 demographics=False)(now)  # fmt: skip
            if got.status != 200:
                return got
            section, names = got.body[kind.section], _names(request)
            resources = [kind.map(item, search.person_id, names) for item in section["items"]]
            path = f"/{kind.resource_type}"
            bundle = fs.searchset(_base(request), str(request.url), resources,
                                  total=section["total"],
                                  next_url=_next(request, search, section["has_more"], path),
                                  outcome=_kept_back(section["kept_back"]))  # fmt: skip
            return Answer(200, bundle, got.disclosure)

        return _run(request, answer, Disclosure(QueryKind.PERSON_RECORD, _searched(query, kind)))

    search_items.__doc__ = f"{kind.resource_type} resources of one patient, newest first."
    return search_items


def _read_item(kind: ResourceKind) -> Callable[..., Response]:
    def read_item(request: Request, user: CurrentUser, purpose: Purpose, item: _ITEM) -> Response:
        del purpose
        p = ports(request)

        def answer(now: datetime) -> Answer:
            doc_id = mapping.item_doc_id(kind.record_type, item)
            owner = p.records.item_owner(doc_id) if doc_id else None
            if doc_id is None or owner is None:
                raise NotFoundError(f"{kind.resource_type}: no such resource", field="id")
            got = _person_answer(request, user, owner, (kind.record_type,),
                                 Page(1, 1, item_id=doc_id), demographics=False)(now)  # fmt: skip
            if got.status != 200:
                return got
            items = got.body[kind.section]["items"]
            if not items:  # kept back at read: as if it did not exist
                raise NotFoundError(f"{kind.resource_type}: no such resource", field="id")
            return Answer(200, kind.map(items[0], owner, _names(request)), got.disclosure)

        return _run(request, answer, Disclosure(QueryKind.PERSON_RECORD))

    read_item.__doc__ = f"One {kind.resource_type} by id."
    return read_item


def _wants_fhir(request: Request) -> bool:
    """Whether the client asked for FHIR JSON (a Binary resource) rather than the bytes."""
    accept = request.headers.get("accept", "").lower()
    return FHIR_JSON in accept or "application/json" in accept


@router.get("/Binary/{item}", response_model=None)
def read_binary(request: Request, user: CurrentUser, purpose: Purpose, item: _ITEM) -> Response:
    """An attached document's bytes (the url of its DocumentReference's attachment), after
    the same checks as the DocumentReference: as they are, a download no browser runs; as a
    Binary resource when the client accepts FHIR JSON."""
    del purpose
    p = ports(request)
    sent: list[DocumentContent] = []

    def answer(now: datetime) -> Answer:
        doc_id = mapping.item_doc_id(DOCUMENT, item)
        owner = p.records.item_owner(doc_id) if doc_id else None
        if doc_id is None or owner is None:
            raise NotFoundError("Binary: no such resource", field="id")
        authorise = authoriser(request, user, owner,
                               requested_categories((DOCUMENT,), demographics=False))  # fmt: skip
        got = document_content(p.records, p.consent, owner, doc_id, now, authorise=authorise)
        if isinstance(got, Answer):
            if got.status == 404:
                return Answer(404, error_body("Binary: no such resource", "id"), got.disclosure)
            return got
        if _wants_fhir(request):
            return Answer(200, mapping.binary(item, got.content_type, got.data), got.disclosure)
        sent.append(got)
        return Answer(200, {}, got.disclosure)

    result = answered(answer, p.clock(), Disclosure(QueryKind.DOCUMENT_CONTENT))
    if result.status == 200 and sent:
        return send_content(request, sent[0])
    return _respond(request, result)


for _kind in RESOURCES.values():
    router.add_api_route(f"/{_kind.resource_type}", _search_items(_kind), methods=["GET"],
                         response_model=None, name=f"search_{_kind.resource_type}")  # fmt: skip
    router.add_api_route(f"/{_kind.resource_type}/{{item}}", _read_item(_kind), methods=["GET"],
                         response_model=None, name=f"read_{_kind.resource_type}")  # fmt: skip
