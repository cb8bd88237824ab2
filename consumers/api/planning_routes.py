"""``GET /api/planning/report``: the latest planners' report, for a role with the ``planning``
category only (no record access). It serves what ``mcr report planning`` published
(``report.json``: suppressed, rounded counts and the workforce estimate) with its charts as
``data:`` URLs, so the viewer shows it under its own Content-Security-Policy. Audited like
every request (no person is named)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel
from starlette.responses import Response

from consumers.api.deps import CurrentUser, ports
from consumers.api.errors import ForbiddenError, NotFoundError, ValidationError
from consumers.api.governance import governance
from consumers.api.guard import trail_of
from consumers.api.models import ERRORS, FORBIDDEN, ErrorBody
from consumers.api.routes import answered, respond
from consumers.api.service import Answer, Disclosure, QueryKind, RequestOutcome
from consumers.api.validation import PURPOSE_HEADER

__all__ = ["latest_report", "router"]

router = APIRouter()
_CHART = "data:image/png;base64,"
PLANNING_PURPOSE = "service-planning"


def planning_purpose(
    request: Request,
    value: Annotated[
        str | None, Header(alias=PURPOSE_HEADER, description=f"why: {PLANNING_PURPOSE}")
    ] = None,
) -> str:
    """Why the report is read: ``X-MCR-Purpose: service-planning`` only (a record route
    accepts ``direct-care`` only, so neither purpose opens the other's data)."""
    if value != PLANNING_PURPOSE:
        raise ValidationError(
            f"{PURPOSE_HEADER}: expected {PLANNING_PURPOSE}", field=PURPOSE_HEADER
        )
    trail_of(request.scope).purpose = value
    return value


PlanningPurpose = Annotated[str, Depends(planning_purpose)]


def _chart(folder: Path, name: object) -> str:
    """A chart of the report folder as a data URL ("" when it is not a plain file name)."""
    if not isinstance(name, str) or "/" in name or not name.endswith(".png"):
        return ""
    path = folder / name
    return _CHART + base64.b64encode(path.read_bytes()).decode() if path.is_file() else ""


def latest_report(reports: Path) -> dict[str, Any] | None:
    """The report ``reports/latest`` points at, charts inlined; None when there is none."""
    folder = reports / "latest"
    try:
        body: dict[str, Any] = json.loads((folder / "report.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    body["workforce"]["chart"] = _chart(folder, body["workforce"].get("chart"))
    for table in body["tables"]:
        table["chart"] = _chart(folder, table.get("chart"))
    return body


class PlanningReport(BaseModel):
    """The latest planners' report: published (suppressed, rounded) tables, the workforce
    estimate with its assumptions and sources, the protection rules, charts as data URLs."""

    title: str
    period: str
    generated: str
    rules: list[str]
    workforce: dict[str, Any]
    tables: list[dict[str, Any]]


_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS, 403: FORBIDDEN, 404: {"model": ErrorBody, "description": "no report made yet"},
    200: {"model": PlanningReport, "description": "the latest planners' report"},
}  # fmt: skip


@router.get("/api/planning/report", response_model=None, responses=_RESPONSES)
def planning_report(request: Request, user: CurrentUser, purpose: PlanningPurpose) -> Response:
    """The latest planners' report (planning role only)."""
    del purpose
    clock = ports(request).clock
    reports: Path = request.app.state.planning_reports

    def answer(_now: datetime) -> Answer:
        if not governance(request).policy.may_plan(user.role.role_code):
            raise ForbiddenError("role: only planning roles may read the planners' report",
                                 field="role")  # fmt: skip
        body = latest_report(reports)
        if body is None:
            raise NotFoundError("no planners' report has been made yet")
        return Answer(200, body, Disclosure(QueryKind.PLANNING_REPORT, (), RequestOutcome.SHOWN,
                                            len(body["tables"])))  # fmt: skip

    return respond(request, answered(answer, clock(), Disclosure(QueryKind.PLANNING_REPORT)))
