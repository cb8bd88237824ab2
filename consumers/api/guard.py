"""Every request passes the guard: its limits, then its audit row, then its answer.

An ASGI middleware around the whole application:

1. **Limits.** A body over ``max_body_bytes`` is 413 (by ``Content-Length`` before anything
   runs, and by counting what is read); an answer slower than ``time_limit_s`` is 503. A bug
   anywhere (an exception no handler turned into an answer) is the fixed 500 body.
2. **Audit before answer.** The answer is held back until its audit row is written. Every
   request is audited, refusals included (401, 403, 404, 405, 400, 413, 429, 5xx), except the
   viewer's files, ``/api/health``, ``/api/health/ready``, ``/api/openapi.json``,
   ``/api/config``, ``/fhir/R4/metadata`` and the public pages (``public.py``: they disclose
   nothing about anyone) (:func:`is_audited`). If the row cannot be written the answer is
   replaced by 503 without data (under ``/fhir/``, as every error the guard answers itself,
   an OperationOutcome). The row says who (the :class:`Trail` the sign-in dependency
   fills), what (the route template, the kind of query), whom (person ids), how it ended and
   the counts; never a query value.
3. **Logs** carry the route template, the status and the duration, never the query string.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consumers.api import service, validation
from consumers.api.chain import AuditEntry
from consumers.api.fhir.search import operation_outcome
from consumers.api.public import PUBLIC_PATHS
from consumers.api.service import Disclosure
from consumers.api.web import FHIR_JSON, JSON_HEADERS, error_body, is_fhir_path, json_bytes
from mcr.core.logging import get_logger
from mcr.core.metrics import API_REQUESTS, API_SECONDS, AUDIT_FAILURES

__all__ = ["AuditSink", "Guard", "Limits", "Trail", "is_audited", "trail_of"]

log = get_logger(__name__)

_TRAIL = "mcr.trail"
_NOT_AUDITED = frozenset(
    {"/", "/auth/callback", "/api/health", "/api/health/ready", "/api/openapi.json", "/api/config",
     "/fhir/R4/metadata", *PUBLIC_PATHS}
)  # fmt: skip
_INTERNAL_ERROR = "internal error: no data returned"
_OUTCOMES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 429: "rate_limited"}


class AuditSink(Protocol):
    """Where audit rows go (``audit.AuditLog``); raises AuditError when it cannot."""

    def append(self, entry: AuditEntry) -> object: ...


@dataclass(frozen=True)
class Limits:
    """Per-request limits."""

    max_body_bytes: int = 16_384
    time_limit_s: float = 10.0


@dataclass
class Trail:
    """What this request's audit row will say, filled in while it is answered."""

    user_id: str = ""
    purpose: str = ""
    role_id: str = ""
    role_code: str = ""
    org_code: str = ""
    request_id: str = ""
    """Given when the request arrives: the audit row's id, sent back as ``X-Request-Id``."""
    disclosure: Disclosure | None = None
    status: int = 0
    """The status the disclosure belongs to (an answer replaced later discloses nothing)."""

    def disclose(self, disclosure: Disclosure, status: int) -> None:
        self.disclosure, self.status = disclosure, status


def trail_of(scope: Scope) -> Trail:
    """The trail of the request ``scope`` belongs to (a fresh one outside the guard)."""
    found = scope.get(_TRAIL)
    if not isinstance(found, Trail):
        found = scope[_TRAIL] = Trail()
    return found


def is_audited(path: str) -> bool:
    """Whether a request for ``path`` writes an audit row (everything but the viewer's files,
    health, the OpenAPI document and the public sign-in configuration)."""
    return path not in _NOT_AUDITED and not path.startswith("/static/")


class _TooLargeError(Exception):
    """The request body passed the limit while it was read."""


@dataclass
class _Answer:
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)

    @classmethod
    def json(cls, status: int, body: Any, headers: dict[str, str] | None = None) -> _Answer:
        data = json_bytes(body)
        fields = {**JSON_HEADERS, **(headers or {}), "Content-Length": str(len(data))}
        encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in fields.items()]
        return cls(status, encoded, bytearray(data))

    @property
    def is_json(self) -> bool:
        kind = dict(self.headers).get(b"content-type", b"")
        return kind.startswith((b"application/json", b"application/fhir+json"))

    def as_json_error(self) -> _Answer:
        """A library's plain-text refusal (the ``Host`` check's) as our JSON error body."""
        return _Answer.json(self.status, error_body(HTTPStatus(self.status).phrase.lower()))

    def as_outcome(self) -> _Answer:
        """A JSON error body (the guard's own: 413, 503, 500) as a FHIR OperationOutcome."""
        try:
            message = str(json.loads(bytes(self.body)).get("error") or "request refused")
        except (ValueError, AttributeError):
            message = "request refused"
        answer = _Answer.json(self.status, operation_outcome(self.status, message),
                              {"Content-Type": f"{FHIR_JSON}; charset=utf-8"})  # fmt: skip
        kept = {b"x-request-id", b"allow", b"retry-after", b"www-authenticate"}
        answer.headers += [(k, v) for k, v in self.headers if k in kept]
        return answer

    def add_header(self, name: str, value: str) -> None:
        self.headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))

    async def send(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": bytes(self.body)})


class Guard:
    """The ASGI middleware described in the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        audit: AuditSink,
        limits: Limits,
        clock: Callable[[], datetime],
        new_request_id: Callable[[], str],
    ) -> None:
        self._app = app
        self._audit = audit
        self._limits = limits
        self._clock = clock
        self._new_request_id = new_request_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.monotonic()
        trail = trail_of(scope)
        trail.request_id = self._new_request_id()
        answer = await self._answer(scope, receive)
        template = _template(scope)
        if is_audited(scope["path"]):
            answer = await self._audited(scope, trail, answer, template)
        elapsed = time.monotonic() - started
        API_REQUESTS.labels(route=template, status=str(answer.status)).inc()
        API_SECONDS.labels(route=template).observe(elapsed)
        if is_fhir_path(scope["path"]) and answer.status >= 400 and not _is_fhir(answer):
            answer = answer.as_outcome()
        log.info("api request", path=template, status=answer.status,
                 duration_ms=round(elapsed * 1000, 1))  # fmt: skip
        await answer.send(send)

    async def _answer(self, scope: Scope, receive: Receive) -> _Answer:
        """The application's answer, held back; or the answer a limit or a bug becomes."""
        limit = self._limits.max_body_bytes
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            return _too_large(limit)
        answer, read = _Answer(), 0

        async def limited_receive() -> Message:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            if read > limit:
                raise _TooLargeError
            return message

        async def hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status, answer.headers = message["status"], list(message["headers"])
            elif message["type"] == "http.response.body":
                answer.body += message.get("body", b"")

        try:
            await asyncio.wait_for(
                self._app(scope, limited_receive, hold), timeout=self._limits.time_limit_s
            )
        except _TooLargeError:
            return _too_large(limit)
        except TimeoutError:
            log.warning("api request over its time limit", path=_template(scope))
            return _Answer.json(503, error_body("time limit: no data returned"))
        except Exception as exc:  # a bug: answer 500 without data, log the type only
            log.error("api request failed", path=_template(scope), error_type=type(exc).__name__)
            return _Answer.json(500, error_body(_INTERNAL_ERROR))
        return answer if answer.is_json or answer.status < 400 else answer.as_json_error()

    async def _audited(self, scope: Scope, trail: Trail, answer: _Answer, template: str) -> _Answer:
        """``answer`` with its request id once its row is written; 503 when it cannot be."""
        request_id = trail.request_id
        entry = _entry(scope, trail, template, answer.status, at=self._clock(),
                       request_id=request_id)  # fmt: skip
        try:
            await run_in_threadpool(self._audit.append, entry)
        except Exception as exc:  # AuditError, or a bug in the sink: no row, so no data
            AUDIT_FAILURES.inc()
            log.error("audit row not written", error_type=type(exc).__name__)
            return _Answer.json(503, error_body("audit log unavailable: no data returned"))
        answer.add_header("X-Request-Id", request_id)
        return answer


def _is_fhir(answer: _Answer) -> bool:
    return dict(answer.headers).get(b"content-type", b"").startswith(FHIR_JSON.encode())


def _too_large(limit: int) -> _Answer:
    return _Answer.json(413, error_body(f"body: larger than {limit} bytes", "body"))


def _template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


_PERSON_KINDS = {
    "/api/persons/{person_id}/record": service.QueryKind.PERSON_RECORD,
    "/api/persons/{person_id}/timeline": service.QueryKind.PERSON_TIMELINE,
    "/api/persons/{person_id}/documents/{document_id}/content": (
        service.QueryKind.DOCUMENT_CONTENT
    ),
    "/api/persons/{person_id}/break-glass": service.QueryKind.BREAK_GLASS,
    "/api/persons/{person_id}/objection": service.QueryKind.OBJECTION,
    "/fhir/R4/Patient/{person_id}": service.QueryKind.PERSON_RECORD,
    "/fhir/R4/Patient/{person_id}/$everything": service.QueryKind.PERSON_RECORD,
}
#: The FHIR Patient search's parameters as the viewer's search names them (the kind of query).
_FHIR_SEARCH_NAMES = {"identifier": "nhs_number", "name": "family_name", "birthdate": "birth_date"}
_REPORT_KINDS = {
    "/api/audit/access-report": service.QueryKind.ACCESS_REPORT,
    "/api/audit/break-glass": service.QueryKind.BREAK_GLASS_REVIEW,
}


def _default_disclosure(scope: Scope, template: str) -> tuple[str, tuple[str, ...]]:
    """Kind of query and person ids of a request refused before it was answered: from the
    route, the names of the query parameters and a well-formed person id (never a value)."""
    if template in ("/api/patients", "/fhir/R4/Patient"):
        names = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        names = {_FHIR_SEARCH_NAMES.get(name, name): values for name, values in names.items()}
        return service.search_kind(names).value, ()
    kind = _PERSON_KINDS.get(template)
    if kind is not None:
        raw = str(scope.get("path_params", {}).get("person_id", ""))
        return kind.value, validation.subject_of(raw)
    if template in _REPORT_KINDS:
        return _REPORT_KINDS[template].value, ()
    return ("user_info" if template == "/api/me" else "none"), ()


def _outcome(status: int) -> str:
    if status >= 500:
        return "error"
    if status >= 400:
        return _OUTCOMES.get(status, "rejected")
    return "shown"


def _entry(
    scope: Scope, trail: Trail, template: str, status: int, *, at: datetime, request_id: str
) -> AuditEntry:
    told = trail.disclosure if trail.status == status else None
    why: dict[str, Any] = {}
    if told is not None:
        kind, person_ids, outcome = told.query_kind.value, told.person_ids, told.outcome.value
        shown, kept_back, why = told.shown, told.kept_back, dict(told.why)
    else:
        (kind, person_ids), outcome = _default_disclosure(scope, template), _outcome(status)
        shown = kept_back = 0
    return AuditEntry(
        at=at, request_id=request_id, user_id=trail.user_id or "anonymous",
        purpose=trail.purpose, action=f"{scope['method']} {template}", query_kind=kind,
        person_ids=person_ids, outcome=outcome, status=status, shown=shown, kept_back=kept_back,
        role_id=trail.role_id, role_code=trail.role_code, org_code=trail.org_code, **why,
    )  # fmt: skip
