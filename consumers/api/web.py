"""HTTP answers as the service sends them: JSON bodies that no cache keeps, the error body, the
security headers of the viewer's pages.

The query string is never kept anywhere: it may hold an NHS number, so nothing in this package
logs or stores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

__all__ = [
    "FHIR_JSON",
    "JSON_HEADERS",
    "PAGE_HEADERS",
    "error_body",
    "fhir_response",
    "is_fhir_path",
    "json_bytes",
    "json_response",
]

#: Patient data must not be cached by browsers or proxies.
JSON_HEADERS: Mapping[str, str] = {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
FHIR_JSON = "application/fhir+json"
_FHIR_PREFIX = "/fhir/"
#: The viewer's pages: self only, no framing, no referrer.
PAGE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


def error_body(message: str, field: str = "") -> dict[str, str]:
    """The body of every error response: ``{"error": ..., "field": ...}`` (field if known)."""
    return {"error": message, "field": field} if field else {"error": message}


def json_bytes(body: Any) -> bytes:
    """Compact UTF-8 JSON (orjson: several times less CPU than the standard library for a
    record's worth of items)."""
    return orjson.dumps(body)


def json_response(status: int, body: Any, *, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response that no cache keeps."""
    return Response(
        json_bytes(body), status_code=status, headers={**JSON_HEADERS, **(headers or {})}
    )


def is_fhir_path(path: str) -> bool:
    """Whether ``path`` belongs to the FHIR API (its errors are OperationOutcomes)."""
    return path.startswith(_FHIR_PREFIX)


def fhir_response(status: int, body: Any, *, headers: Mapping[str, str] | None = None) -> Response:
    """A FHIR JSON response (``application/fhir+json``) that no cache keeps."""
    fields = {**JSON_HEADERS, "Content-Type": f"{FHIR_JSON}; charset=utf-8", **(headers or {})}
    return Response(json_bytes(body), status_code=status, headers=fields)
