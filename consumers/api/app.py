"""The query service as a FastAPI application: routes, sign-in, the guard, JSON errors.

======  ==================================  ==============================================
method  path                                answer
======  ==================================  ==============================================
GET     /                                   the clinician viewer (``static/index.html``)
GET     /static/<file>                      the viewer's script and style sheet
GET     /api/health                         ``{"status": "ok"}``
GET     /api/config                         where the viewer signs in (issuer, client id)
GET     /api/openapi.json                   the OpenAPI document
GET     /api/me                             the signed-in user, roles, acting role
GET     /api/patients                       search: ``nhs_number``, or ``family_name`` +
                                            ``birth_date``
GET     /api/persons/<person_id>/record     demographics, results, medications, encounters,
                                            problems, allergies, immunisations,
                                            procedures, documents
GET     /about, /organisations              public pages (no sign-in, no audit: ``public.py``)
GET     /api/public/organisations           the organisations taking part, as JSON
GET     /fhir/R4/...                        the FHIR R4 read API (``fhir/routes.py``,
                                            docs/fhir.md)
======  ==================================  ==============================================

Layers, outermost first: the guard (limits, then the audit row before the answer: ``guard.py``),
the ``Host`` check, FastAPI's exception handling (``handlers.py``), the routes (``pages.py``,
``routes.py``), whose dependencies sign the user in (``deps.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware

from consumers.api import (
    care_routes,
    document_routes,
    handlers,
    pages,
    planning_routes,
    public,
    routes,
    timeline_routes,
)
from consumers.api.deps import Ports, TokenAuthenticator
from consumers.api.directory import OrganisationDirectory
from consumers.api.fhir import routes as fhir_routes
from consumers.api.governance import Governance
from consumers.api.guard import AuditSink, Guard, Limits
from consumers.api.models import PublicConfig
from consumers.api.pages import Assets, load_assets
from consumers.api.rate_limit import TokenBucket
from consumers.api.service import ConsentSource, RecordSource

__all__ = ["OPENAPI_PATH", "create_app"]

OPENAPI_PATH = "/api/openapi.json"
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_request_id() -> str:
    return uuid.uuid4().hex


def create_app(
    *,
    records: RecordSource,
    consent: ConsentSource,
    audit: AuditSink,
    authenticator: TokenAuthenticator,
    public_config: PublicConfig,
    governance: Governance,
    allowed_hosts: Sequence[str] = ("127.0.0.1", "localhost"),
    search_per_minute: int = 30,
    limits: Limits = Limits(),  # noqa: B008 - frozen value
    clock: Clock = _utc_now,
    new_request_id: Callable[[], str] = _new_request_id,
    assets: Assets | None = None,
    directory: OrganisationDirectory | None = None,
    planning_reports: Path = Path(".run/reports/planning"),
) -> FastAPI:
    """The application on these ports; ``clock`` and ``new_request_id`` are for tests.
    ``directory``: the registry the public pages list (without one they answer 503)."""
    app = FastAPI(
        title="My Care Record query service",
        version="v1",
        summary="Read-only shared care record: consent at read, every request audited.",
        openapi_url=OPENAPI_PATH,
        docs_url=None,
        redoc_url=None,
    )
    app.state.ports = Ports(records, consent, authenticator, TokenBucket(search_per_minute),
                            clock)  # fmt: skip
    app.state.assets = load_assets() if assets is None else dict(assets)
    app.state.public_config = public_config
    app.state.governance = governance
    app.state.directory = directory
    app.state.planning_reports = planning_reports
    handlers.install(app)
    app.include_router(pages.router)
    app.include_router(public.router)
    app.include_router(routes.router)
    app.include_router(timeline_routes.router)
    app.include_router(document_routes.router)
    app.include_router(care_routes.router)
    app.include_router(planning_routes.router)
    app.include_router(fhir_routes.router)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(Guard, audit=audit, limits=limits, clock=clock,
                       new_request_id=new_request_id)  # fmt: skip
    return app
