"""Errors as JSON answers that never repeat what the client sent.

- ``RequestError`` (ours): its status and ``{"error": ..., "field": ...}``; a 401 adds
  ``WWW-Authenticate: Bearer``, a 429 ``Retry-After``.
- ``ServiceUnavailableError``: 503, no data.
- FastAPI's request validation (422, whose default body quotes the input): 400 naming the
  parameter only.
- Starlette's own HTTP errors (no route 404, wrong method 405, ...): a fixed message by status,
  never ``detail``.

Under ``/fhir/`` the same messages come as an OperationOutcome (``application/fhir+json``).
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from consumers.api.errors import (
    RateLimitedError,
    RequestError,
    ServiceUnavailableError,
    UnauthenticatedError,
)
from consumers.api.fhir.search import operation_outcome
from consumers.api.web import error_body, fhir_response, is_fhir_path, json_response

__all__ = ["install"]


def _error(
    request: Request,
    status: int,
    message: str,
    field: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """The error body of the API the path belongs to: an OperationOutcome under ``/fhir/``."""
    if is_fhir_path(request.url.path):
        return fhir_response(status, operation_outcome(status, message), headers=headers)
    return json_response(status, error_body(message, field), headers=headers)


async def _request_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestError)
    headers: dict[str, str] = {}
    if isinstance(exc, UnauthenticatedError):
        headers["WWW-Authenticate"] = 'Bearer realm="mcr"'
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    return _error(request, exc.status, str(exc), exc.field, headers)


async def _unavailable(request: Request, exc: Exception) -> Response:
    return _error(request, 503, f"{exc}: no data returned")


def _field(exc: RequestValidationError) -> str:
    for error in exc.errors():
        names = [part for part in error.get("loc", ()) if isinstance(part, str)]
        if len(names) > 1:
            return names[-1]
    return "request"


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    name = _field(exc)
    return _error(request, 400, f"{name}: not in the expected form", name)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        return _error(request, 404, "no such route")
    if status == 405:
        allow = (exc.headers or {}).get("Allow", "GET")
        message = f"method {request.method}: not allowed here"
        return _error(request, 405, message, headers={"Allow": allow})
    return _error(request, status, HTTPStatus(status).phrase.lower())


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestError, _request_error)
    app.add_exception_handler(ServiceUnavailableError, _unavailable)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_error)
