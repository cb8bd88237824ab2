"""The routes that need no sign-in and write no audit row: the viewer's files, health, and
the public configuration the viewer signs in with."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from consumers.api.errors import NotFoundError
from consumers.api.models import ErrorBody, Health, PublicConfig, Readiness
from consumers.api.web import PAGE_HEADERS, json_response
from mcr.core.metrics import ReadyCheck

__all__ = ["Assets", "load_assets", "router"]

Assets = Mapping[str, tuple[str, bytes]]
"""The viewer's files by path: content type and bytes."""

router = APIRouter()
_ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/about": ("about.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/auth.js": ("auth.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
    "/static/timeline.js": ("timeline.js", "text/javascript; charset=utf-8"),
}
_NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"model": ErrorBody}}


def load_assets() -> dict[str, tuple[str, bytes]]:
    """The viewer's files by path (read once, at start)."""
    folder = resources.files("consumers.api.static")
    return {
        path: (kind, folder.joinpath(name).read_bytes()) for path, (name, kind) in _ASSETS.items()
    }


def _page_headers(request: Request) -> dict[str, str]:
    """The page headers, with the issuer's origin allowed for the sign-in's token exchange
    (the browser posts the code to the issuer's token endpoint)."""
    public: PublicConfig = request.app.state.public_config
    parts = urlsplit(public.issuer)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    policy = PAGE_HEADERS["Content-Security-Policy"]
    if origin:
        policy = policy.replace("connect-src 'self'", f"connect-src 'self' {origin}")
    return {**PAGE_HEADERS, "Content-Security-Policy": policy}


def _asset(request: Request, path: str) -> Response:
    assets: Assets = request.app.state.assets
    found = assets.get(path)
    if found is None:
        raise NotFoundError("no such file")
    kind, body = found
    return Response(body, headers={"Content-Type": kind, **_page_headers(request)})


@router.get("/", include_in_schema=False)
def viewer(request: Request) -> Response:
    """The clinician viewer."""
    return _asset(request, "/")


@router.get("/auth/callback", include_in_schema=False)
def sign_in_callback(request: Request) -> Response:
    """Where the identity provider sends the browser back: the viewer finishes the sign-in."""
    return _asset(request, "/")


@router.get("/static/{name}", include_in_schema=False)
def static(request: Request, name: Annotated[str, Path()]) -> Response:
    """The viewer's script and style sheet."""
    return _asset(request, f"/static/{name}")


@router.get("/api/health", response_model=None, responses={200: {"model": Health}})
def health() -> Response:
    """``{"status": "ok"}`` while the process serves (not audited)."""
    return json_response(200, {"status": "ok"})


@router.get(
    "/api/health/ready",
    response_model=None,
    responses={200: {"model": Readiness}, 503: {"model": Readiness, "description": "not ready"}},
)
def ready(request: Request) -> Response:
    """Whether the stores answer (PostgreSQL, OpenSearch, Kafka, the identity provider): 200
    when all do, 503 naming the ones that do not (not audited: probes call it often)."""
    check: ReadyCheck | None = getattr(request.app.state, "readiness", None)
    checks = dict(check()) if check is not None else {}
    ok = bool(checks) and all(checks.values())
    return json_response(200 if ok else 503, {"ready": ok, "checks": checks})


@router.get("/api/config", response_model=None, responses={200: {"model": PublicConfig}})
def config(request: Request) -> Response:
    """Where the viewer signs in: the issuer, its public client id and the API's audience."""
    public: PublicConfig = request.app.state.public_config
    return json_response(200, public.model_dump())
