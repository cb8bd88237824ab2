"""The two questions the service answers: who matches a search, and what is a person's record.

Decisions only: reads go through the ports (``RecordSource``, ``ConsentSource``), consent at
read is ``access.py``. Each answer carries its :class:`Disclosure`, what the audit row says
about it (kind of query, person ids, outcome, counts), so ``app.py`` can write the row before
anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from consumers.api import access, validation
from consumers.api.access import Hit, ItemPage, PersonDocuments, ReadConsent
from consumers.api.authz import AccessDecision, Allowed, Refused, filter_record
from consumers.api.errors import ValidationError
from consumers.api.timeline_query import TimelineQuery
from consumers.api.validation import Page
from consumers.api.web import error_body
from streams.consent.state import ConsentState

__all__ = [
    "Answer",
    "Authorise",
    "ConsentSource",
    "Disclosure",
    "OpenedRecord",
    "QueryKind",
    "RecordSource",
    "RequestOutcome",
    "objection_answer",
    "open_record",
    "person_record",
    "read_consent",
    "search_kind",
    "search_patients",
]

Query = Mapping[str, Sequence[str]]
ENCOUNTER = "encounter"


class RecordSource(Protocol):
    """Reads of the record index (``records.RecordReader``)."""

    def patients_by_nhs_number(self, nhs_number: str) -> list[Hit]: ...

    def patients_by_name(self, family_name: str, birth_date: str) -> list[Hit]: ...

    def persons_hiding_contact(self, person_ids: Sequence[str]) -> set[str]: ...

    def item_owner(self, doc_id: str) -> str | None: ...

    def person_record(
        self,
        person_id: str,
        record_types: Sequence[str],
        page: Page,
        *,
        first_pages_of: Sequence[str] = (),
    ) -> PersonDocuments: ...

    def timeline(
        self, person_id: str, query: TimelineQuery, record_types: Sequence[str]
    ) -> ItemPage: ...


class ConsentSource(Protocol):
    """Consent at read time (``consent_reader.ConsentReader``): each person's state, and the
    person each source key belongs to now (after merges and unmerges)."""

    def states(self, person_ids: Iterable[str]) -> dict[str, ConsentState]: ...

    def owners(self, source_keys: Iterable[str]) -> dict[str, str]: ...

    def source_keys(self, person_id: str) -> list[str]: ...


class QueryKind(StrEnum):
    """What was asked, as the audit row records it (never the searched values)."""

    NHS_NUMBER = "nhs_number"
    NAME_BIRTH_DATE = "name_birth_date"
    PATIENT_SEARCH = "patient_search"
    PERSON_RECORD = "person_record"
    PERSON_TIMELINE = "person_timeline"
    DOCUMENT_CONTENT = "document_content"
    BREAK_GLASS = "break_glass"
    OBJECTION = "objection"
    ACCESS_REPORT = "access_report"
    BREAK_GLASS_REVIEW = "break_glass_review"
    PLANNING_REPORT = "planning_report"


class RequestOutcome(StrEnum):
    """How a data request ended."""

    SHOWN = "shown"
    NONE_FOUND = "none_found"
    OBJECTION = "objection"
    NOT_FOUND = "not_found"
    REJECTED = "rejected"
    ERROR = "error"
    FORBIDDEN = "forbidden"
    RECORDED = "recorded"


@dataclass(frozen=True)
class Disclosure:
    """What an answer disclosed or refused: the audit row's subject."""

    query_kind: QueryKind
    person_ids: tuple[str, ...] = ()
    outcome: RequestOutcome = RequestOutcome.SHOWN
    shown: int = 0
    kept_back: int = 0
    why: Mapping[str, Any] = field(default_factory=dict)
    """The audit row's authorisation fields (``relationship``, ``break_glass_reason``,
    ``flagged``, ``categories``): what allowed the answer; nothing for a refusal."""


@dataclass(frozen=True)
class Answer:
    """Status and JSON body of a data request, with what it disclosed."""

    status: int
    body: dict[str, Any]
    disclosure: Disclosure


def search_kind(query: Query) -> QueryKind:
    """The kind of search the parameters ask for (before they are validated)."""
    if "nhs_number" in query:
        return QueryKind.NHS_NUMBER
    if "family_name" in query or "birth_date" in query:
        return QueryKind.NAME_BIRTH_DATE
    return QueryKind.PATIENT_SEARCH


def _search_hits(records: RecordSource, query: Query, now: datetime) -> list[Hit]:
    raw_nhs = validation.single(query, "nhs_number")
    raw_name = validation.single(query, "family_name")
    raw_birth = validation.single(query, "birth_date")
    if raw_nhs is not None:
        if raw_name is not None or raw_birth is not None:
            raise ValidationError(
                "nhs_number: give either nhs_number, or family_name with birth_date",
                field="nhs_number",
            )
        return records.patients_by_nhs_number(validation.nhs_number(raw_nhs))
    if raw_name is None and raw_birth is None:
        raise ValidationError(
            "nhs_number: required (or family_name with birth_date)", field="nhs_number"
        )
    if raw_name is None:
        raise ValidationError("family_name: required with birth_date", field="family_name")
    if raw_birth is None:
        raise ValidationError("birth_date: required with family_name", field="birth_date")
    name = validation.family_name(raw_name)
    return records.patients_by_name(name, validation.birth_date(raw_birth, today=now.date()))


def read_consent(
    consent: ConsentSource,
    known: Mapping[str, ConsentState],
    persons: Iterable[str],
    source_keys: Iterable[str],
) -> ReadConsent:
    """The states of ``persons`` and of the owners of ``source_keys``, with those owners
    (``known`` states are not read again)."""
    keys = sorted(set(source_keys))
    owners = consent.owners(keys) if keys else {}
    wanted = sorted({*persons, *owners.values()} - set(known))
    states = {**known, **(consent.states(wanted) if wanted else {})}
    return ReadConsent(states, owners)


def search_patients(
    records: RecordSource, consent: ConsentSource, query: Query, now: datetime
) -> Answer:
    """Persons whose patient documents match the search, with display demographics; a person
    who objects, or whose documents found belong by source key to a person who objects, is
    listed as objecting, without demographics. A person with any ``V`` patient document (found
    or not) is listed without a postcode.

    Raises ValidationError naming the parameter that breaks a rule.
    """
    kind = search_kind(query)
    hits = _search_hits(records, query, now)
    person_ids = tuple(dict.fromkeys(hit.person_id for hit in hits))
    keys = (hit.source_key for hit in hits if hit.source_key)
    read = read_consent(consent, {}, person_ids, keys)
    hidden = records.persons_hiding_contact(person_ids) if person_ids else set()
    body, kept_back = access.search_body(hits, read, now, contact_hidden=hidden)
    shown = sum(1 for person in body["persons"] if not person["objects_to_sharing"])
    outcome = RequestOutcome.SHOWN if body["persons"] else RequestOutcome.NONE_FOUND
    return Answer(200, body, Disclosure(kind, person_ids, outcome, shown, kept_back))


def objection_answer(
    person_ids: tuple[str, ...], query_kind: QueryKind = QueryKind.PERSON_RECORD
) -> Answer:
    body = access.objection_body(person_ids[0])
    return Answer(403, body, Disclosure(query_kind, person_ids, RequestOutcome.OBJECTION))


Authorise = Callable[[PersonDocuments, datetime], AccessDecision]
"""Whether the acting user may see the record whose documents were read (``authz.decide``)."""


def _decision_pages(record_types: Sequence[str], page: Page) -> tuple[str, ...]:
    """The first pages the decision needs besides those asked for: encounters', unless the
    request reads that very page (a recent encounter is a care relationship, whatever page is
    shown)."""
    return () if ENCOUNTER in record_types and page == Page() else (ENCOUNTER,)


def _for_decision(found: PersonDocuments) -> PersonDocuments:
    """What the decision looks at: the documents read, with the first page of encounters
    where it was read apart from the pages asked for."""
    if ENCOUNTER not in found.first_pages:
        return found
    return replace(found, pages={**found.pages, ENCOUNTER: found.first_pages[ENCOUNTER]})


@dataclass(frozen=True)
class OpenedRecord:
    """A record the acting user may read: what was read of it to decide (patient documents,
    source keys and the pages asked for), the consent it is read under, and the decision."""

    found: PersonDocuments
    read: ReadConsent
    decision: Allowed


def open_record(
    records: RecordSource,
    consent: ConsentSource,
    person_id: str,
    now: datetime,
    *,
    authorise: Authorise,
    record_types: Sequence[str],
    page: Page,
    query_kind: QueryKind = QueryKind.PERSON_RECORD,
) -> Answer | OpenedRecord:
    """Every check before a person's record is shown, for every route that shows it: 403
    with nothing but the objection when they object (before anything is read) or when any of
    their documents belongs by source key to a person who objects; 404 when the index holds
    nothing of them; 403 naming the refusal (and whether break-glass is offered) when
    ``authorise`` refuses. Otherwise the record is opened: the documents read (patients,
    source keys, a ``page`` of each of ``record_types``), the consent and the decision."""
    subject = (person_id,)
    own = consent.states(subject)
    if own[person_id].objects(now):
        return objection_answer(subject, query_kind)
    found = records.person_record(
        person_id, record_types, page, first_pages_of=_decision_pages(record_types, page)
    )
    pages = found.pages
    held = found.patients or found.source_keys or any(part.total for part in pages.values())
    if not held:
        body = error_body("person_id: no record is held for this person", "person_id")
        return Answer(404, body, Disclosure(query_kind, subject, RequestOutcome.NOT_FOUND))
    keys = found.read_keys()
    read = read_consent(consent, own, subject, keys)
    objecting = access.objecting_owners(person_id, keys, read, now)
    if objecting:
        return objection_answer((person_id, *objecting), query_kind)
    decision = authorise(_for_decision(found), now)
    if isinstance(decision, Refused):
        refused = Disclosure(query_kind, subject, RequestOutcome.FORBIDDEN,
                             why=decision.audit_fields())  # fmt: skip
        return Answer(403, decision.body(person_id), refused)
    return OpenedRecord(found, read, decision)


def person_record(
    records: RecordSource,
    consent: ConsentSource,
    person_id: str,
    query: Query,
    now: datetime,
    *,
    authorise: Authorise,
    page: Page | None = None,
) -> Answer:
    """The person's record after consent at read and authorisation (:func:`open_record`
    says when it is refused): only the sections the role may see, and how access was granted.

    ``page``, when given, replaces the query's ``page`` and ``page_size`` (the FHIR routes
    validate their own paging and date range).

    Raises ValidationError for a bad ``page``, ``page_size`` or ``type``.
    """
    record_types = validation.record_types(query)
    page = validation.page(query) if page is None else page
    opened = open_record(records, consent, person_id, now, authorise=authorise,
                         record_types=record_types, page=page)  # fmt: skip
    if isinstance(opened, Answer):
        return opened
    found, read, decision = opened.found, opened.read, opened.decision
    sections = [
        access.section(rt, found.pages[rt], read, now, number=page.number, size=page.size)
        for rt in record_types
    ]
    screened = access.screen(found.patients, read, now)
    hidden = access.hides_contact(found.patients)
    full = access.record_body(person_id, screened, sections, contact_hidden=hidden)
    shown = len(screened.shown) + sum(len(part.screened.shown) for part in sections)
    filtered = filter_record(full, decision.categories)
    allowed: dict[str, Any] = {**filtered.body, "access": decision.access_body()}
    disclosure = Disclosure(
        QueryKind.PERSON_RECORD, (person_id,), RequestOutcome.SHOWN,
        shown - filtered.withheld_total, int(allowed["kept_back"]), why=decision.audit_fields(),
    )  # fmt: skip
    return Answer(200, allowed, disclosure)
