"""Routes that act on access and consent rather than read the record: break the glass, record
a patient's objection (or its withdrawal), and the information-governance reports.

Each is signed in (``CurrentUser``) and audited by the guard like every data route. Bodies are
small JSON models; their errors name the field, never the value (the break-glass free text in
particular is stored for review and never logged or echoed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from consumers.api import validation
from consumers.api.authz import new_break_glass
from consumers.api.authz.reports import report_instant
from consumers.api.deps import CurrentUser, Purpose, ports
from consumers.api.errors import (
    ForbiddenError,
    RequestError,
    ServiceUnavailableError,
    ValidationError,
)
from consumers.api.governance import governance
from consumers.api.guard import trail_of
from consumers.api.models import (
    ERRORS,
    FORBIDDEN,
    AuditRows,
    BreakGlassOpened,
    ObjectionRecorded,
)
from consumers.api.objections import ConsentDecision, consent_event, local_patient_id
from consumers.api.routes import answered, respond
from consumers.api.service import Answer, Disclosure, QueryKind, RequestOutcome
from consumers.api.validation import Page

__all__ = ["router"]

router = APIRouter()


def _answers(status: int, model: type[object], what: str) -> dict[int | str, dict[str, object]]:
    return {**ERRORS, 403: FORBIDDEN, status: {"model": model, "description": what}}


_PERSON = Annotated[str, Path(description="as the identity stage issues them")]


class BreakGlassRequest(BaseModel):
    """Why the glass is broken: a reason from the list, and an explanation."""

    reason_code: str = Field(max_length=64)
    reason_text: str = Field(max_length=2000)


class ObjectionRequest(BaseModel):
    """What the patient told the professional: DENY (objects) or PERMIT (withdraws)."""

    decision: Literal["DENY", "PERMIT"]


def _person(person_id: str) -> tuple[str, ...]:
    try:
        return (validation.person_id(person_id),)
    except RequestError:
        return ()


def _may_audit(request: Request, user: CurrentUser) -> None:
    if not governance(request).policy.may_audit(user.role.role_code):
        raise ForbiddenError("role: only information governance may read the audit", field="role")


@router.post("/api/persons/{person_id}/break-glass", status_code=201, response_model=None,
             responses=_answers(201, BreakGlassOpened, "opened until expires_at"))  # fmt: skip
def break_glass(
    request: Request, user: CurrentUser, purpose: Purpose, person_id: _PERSON,
    body: BreakGlassRequest,
) -> Response:  # fmt: skip
    """Open the record of a person the user's organisation has no care relationship with,
    for a time, with a reason; flagged and listed for information-governance review."""
    del purpose
    gov, clock = governance(request), ports(request).clock

    def answer(now: datetime) -> Answer:
        found = validation.person_id(person_id)
        grant = new_break_glass(
            user_id=user.user_id, role=user.role, person_id=found, code=body.reason_code,
            text=body.reason_text, request_id=trail_of(request.scope).request_id,
            policy=gov.policy, now=now, duration=gov.break_glass_duration,
        )  # fmt: skip
        gov.store.open(grant)
        why = {"break_glass_reason": grant.reason_code.value, "flagged": True}
        opened = {"person_id": found, "reason_code": grant.reason_code.value,
                  "expires_at": grant.expires_at.isoformat(timespec="seconds")}  # fmt: skip
        return Answer(201, opened, Disclosure(QueryKind.BREAK_GLASS, (found,),
                                              RequestOutcome.RECORDED, why=why))  # fmt: skip

    fallback = Disclosure(QueryKind.BREAK_GLASS, _person(person_id))
    return respond(request, answered(answer, clock(), fallback))


@router.post(
    "/api/persons/{person_id}/objection",
    status_code=202,
    response_model=None,
    responses=_answers(202, ObjectionRecorded, "published, effective in seconds"),
)
def record_objection(
    request: Request, user: CurrentUser, purpose: Purpose, person_id: _PERSON,
    body: ObjectionRequest,
) -> Response:  # fmt: skip
    """Record what the patient said: published as a consent event of the user's organisation
    about its own record of the person; it takes effect in the pipeline within seconds."""
    del purpose
    gov, p = governance(request), ports(request)

    def answer(now: datetime) -> Answer:
        found = validation.person_id(person_id)
        if not gov.policy.record_categories_for(user.role.role_code):
            raise ForbiddenError("role: this role does not deliver care", field="role")
        documents = p.records.person_record(found, (), Page(1, 1))
        patients = [hit.source for hit in documents.patients]
        local = local_patient_id(user.role.org_code, patients, p.consent.source_keys(found))
        if local is None:
            raise ForbiddenError(
                "person_id: your organisation holds no record for this person; record the "
                "objection where the patient's care is recorded", field="person_id")  # fmt: skip
        decision = ConsentDecision(body.decision)
        event = consent_event(org=user.role.org_code, local_id=local, decision=decision, now=now)
        if not gov.objections.publish(event):
            raise ServiceUnavailableError("the objection could not be recorded")
        done = {"person_id": found, "decision": decision.value, "recorded_at": now.isoformat()}
        return Answer(202, done, Disclosure(QueryKind.OBJECTION, (found,),
                                            RequestOutcome.RECORDED))  # fmt: skip

    fallback = Disclosure(QueryKind.OBJECTION, _person(person_id))
    return respond(request, answered(answer, p.clock(), fallback))


def _instant(raw: str | None, name: str, *, end: bool = False) -> datetime | None:
    """A window bound read as ``mcr audit`` reads it (``authz.report_instant``)."""
    if raw is None or raw == "":
        return None
    try:
        return report_instant(raw, end=end)
    except ValueError as exc:
        raise ValidationError(f"{name}: not an ISO 8601 date or time", field=name) from exc


@router.get("/api/audit/access-report", response_model=None,
            responses=_answers(200, AuditRows, "who looked, newest first"))  # fmt: skip
def audit_access_report(
    request: Request, user: CurrentUser,
    person_id: Annotated[str, Query(description="whose record")],
    since: Annotated[str | None, Query(alias="from", description="ISO 8601")] = None,
    until: Annotated[str | None, Query(alias="to", description="ISO 8601")] = None,
) -> Response:  # fmt: skip
    """Who looked at a person's record, when, from which organisation and role, and why
    (information governance only)."""
    store, clock = governance(request).store, ports(request).clock

    def answer(_now: datetime) -> Answer:
        _may_audit(request, user)
        found = validation.person_id(person_id)
        rows = store.access_report(found, _instant(since, "from"), _instant(until, "to", end=True))
        body = {"person_id": found, "rows": [row.as_json() for row in rows]}
        return Answer(200, body, Disclosure(QueryKind.ACCESS_REPORT, (found,),
                                            RequestOutcome.SHOWN, len(rows)))  # fmt: skip

    fallback = Disclosure(QueryKind.ACCESS_REPORT, _person(person_id))
    return respond(request, answered(answer, clock(), fallback))


@router.get("/api/audit/break-glass", response_model=None,
            responses=_answers(200, AuditRows, "break-glass openings, newest first"))  # fmt: skip
def audit_break_glass(
    request: Request, user: CurrentUser,
    since: Annotated[str | None, Query(description="ISO 8601")] = None,
) -> Response:  # fmt: skip
    """Every break-glass opening since a time, for review (information governance only)."""
    store, clock = governance(request).store, ports(request).clock

    def answer(_now: datetime) -> Answer:
        _may_audit(request, user)
        rows = store.break_glass_review(_instant(since, "since"), None)
        body = {"rows": [row.as_json(with_text=True) for row in rows]}
        return Answer(200, body, Disclosure(QueryKind.BREAK_GLASS_REVIEW, (),
                                            RequestOutcome.SHOWN, len(rows)))  # fmt: skip

    return respond(request, answered(answer, clock(), Disclosure(QueryKind.BREAK_GLASS_REVIEW)))
