"""The shapes of the service's JSON answers, for its OpenAPI document (``/api/openapi.json``).

Answers are built by ``service.py``/``access.py`` as plain JSON; these models describe them
(``responses=`` on each route) and are not used to build or re-check them. Patient content
(demographics, clinical items) is described as objects: its fields are those of the record
projection's documents (docs/api.md).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ERRORS",
    "FORBIDDEN",
    "AuditRows",
    "BreakGlassOpened",
    "ErrorBody",
    "Health",
    "Me",
    "Objection",
    "ObjectionRecorded",
    "PersonMatch",
    "PublicConfig",
    "RecordAnswer",
    "RoleOut",
    "SearchAnswer",
    "SectionOut",
    "TimelineAnswer",
]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    """Every error: the rule broken, and the input at fault when there is one (never a value)."""

    error: str
    field: str | None = None


class Objection(BaseModel):
    """403: the patient objects to sharing (``objects_to_sharing``: nothing else is shown), or
    the access policy refuses the acting role (``refusal``, and whether break-glass is
    offered)."""

    error: str
    person_id: str
    objects_to_sharing: bool | None = None
    field: str | None = None
    refusal: str | None = None
    break_glass_offered: bool | None = None


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    """Whether every store the service reads or writes answered, store by store."""

    ready: bool
    checks: dict[str, bool]


class PublicConfig(BaseModel):
    """What the viewer needs to sign in (authorization code + PKCE)."""

    issuer: str
    client_id: str
    audience: str


class RoleOut(BaseModel):
    role_id: str
    org_code: str
    role_code: str
    role_name: str
    categories: list[str] = []
    """What this role may see under the access policy (``audit``: the IG reports)."""


class Me(BaseModel):
    """The signed-in user, every role they hold, and the role this request acts in."""

    user_id: str
    roles: list[RoleOut]
    acting_role: RoleOut
    selected_role_id: str


class PersonMatch(_Open):
    """One person found; without demographics when they object to sharing."""

    person_id: str
    objects_to_sharing: bool
    demographics: dict[str, Any] | None = None
    contact_details_hidden: bool | None = None
    sources: int | None = None
    source_org: str | None = None
    """ODS code of the organisation whose demographics are shown (the newest)."""
    source_org_name: str | None = None
    """Its name in the registry (None when it is not registered)."""


class SearchAnswer(BaseModel):
    persons: list[PersonMatch]
    count: int


class SectionOut(_Open):
    """A page of one record type, newest first."""

    total: int
    page: int
    page_size: int
    has_more: bool
    kept_back: int
    items: list[dict[str, Any]]


class RecordAnswer(_Open):
    """A person's record after consent at read."""

    person_id: str
    objects_to_sharing: bool
    demographics: list[dict[str, Any]]
    contact_details_hidden: bool
    results: SectionOut | None = None
    medications: SectionOut | None = None
    encounters: SectionOut | None = None
    problems: SectionOut | None = None
    allergies: SectionOut | None = None
    immunisations: SectionOut | None = None
    procedures: SectionOut | None = None
    documents: SectionOut | None = None
    kept_back: int
    kept_back_note: str | None = None


class TimelineAnswer(SectionOut):
    """A page of a person's timeline after consent at read: items of every type the role may
    see (``types``; ``not_permitted``: asked for but not allowed), newest first, each with its
    provenance (``org``, ``org_name``, ``source_system``, ``source_record_id``,
    ``recorded_at``, ``received_at``); ``organisations`` names every ODS code shown."""

    person_id: str
    objects_to_sharing: bool
    types: list[str]
    not_permitted: list[str]
    organisations: dict[str, str | None]
    kept_back_note: str | None = None


_UNAVAILABLE = (
    "a backing service, the identity provider or the audit log is unavailable, or the "
    "answer took too long: no data returned"
)


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


#: The error answers any authenticated route may give.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("a parameter or header breaks a rule (the body names it)"),
    401: _error("no valid bearer token (WWW-Authenticate: Bearer)"),
    404: _error("no such route, or no record held for the person"),
    405: _error("wrong method (Allow says which)"),
    413: _error("request body too large"),
    500: _error("a bug: no data returned"),
    503: _error(
        "a backing service, the identity provider or the audit log is unavailable, "
        "or the answer took too long: no data returned"
    ),
}


class BreakGlassOpened(_Open):
    """A break-glass opening: for whom, why (the reason code) and until when."""

    person_id: str
    reason_code: str
    expires_at: str


class ObjectionRecorded(_Open):
    """What was recorded, for whom and when (it takes effect in the pipeline within seconds)."""

    person_id: str
    decision: str
    recorded_at: str


class AuditRows(_Open):
    """Rows of an information-governance report, newest first."""

    rows: list[dict[str, Any]]


FORBIDDEN = _error("the access policy refuses the acting role (the body says why)")
