"""HTTP as values: a request read from a WSGI environ, a response to send. Pure.

Header names are lower-cased. The query string is parsed but never kept anywhere else: it may
hold an NHS number, so nothing in this package logs or stores it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

__all__ = [
    "JSON_HEADERS",
    "Request",
    "Response",
    "error_body",
    "json_response",
    "request_from_environ",
    "status_line",
]

#: Patient data must not be cached by browsers or proxies.
JSON_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Type", "application/json; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
)


@dataclass(frozen=True)
class Request:
    """What the routing needs of an HTTP request."""

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    """Status, headers and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON (tests and the CLI)."""
        return json.loads(self.body)


def request_from_environ(environ: Mapping[str, Any]) -> Request:
    """The request a WSGI server hands over (PEP 3333 environ)."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    return Request(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=str(environ.get("PATH_INFO", "") or "/"),
        query=parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True),
        headers=headers,
    )


def status_line(status: int) -> str:
    """``"404 Not Found"`` for 404."""
    return f"{status} {HTTPStatus(status).phrase}"


def error_body(message: str, field: str = "") -> dict[str, str]:
    """The body of every error response: ``{"error": ..., "field": ...}`` (field if known)."""
    return {"error": message, "field": field} if field else {"error": message}


def json_response(status: int, body: Any, *, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """A JSON response that no cache keeps."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, (*JSON_HEADERS, *headers), data)
