"""The WSGI application: endpoints, the audit row before every data answer, JSON errors.

======  ==================================  ==============================================
method  path                                answer
======  ==================================  ==============================================
GET     /                                   the clinician viewer (``static/index.html``)
GET     /static/<file>                      the viewer's script and style sheet
GET     /api/health                         ``{"status": "ok"}``
GET     /api/patients                       search: ``nhs_number``, or ``family_name`` +
                                            ``birth_date``
GET     /api/persons/<person_id>/record     demographics, results, medications, encounters
======  ==================================  ==============================================

Data endpoints need ``X-MCR-User`` (401 without) and ``X-MCR-Purpose`` (400 without). Each data
request that gets that far writes exactly one audit row *before* its answer is sent, a bug
included (outcome ``error``, status 500); when the row cannot be written the answer is 503 and
carries no data. Errors are JSON
``{"error": ..., "field": ...}``. Logs carry the endpoint template, status and duration only:
never the query string, which may hold an NHS number.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Protocol

from consumers.api import service, validation
from consumers.api.chain import AuditEntry
from consumers.api.errors import (
    MethodNotAllowedError,
    NotFoundError,
    RequestError,
    ServiceUnavailableError,
)
from consumers.api.service import (
    Answer,
    ConsentSource,
    Disclosure,
    QueryKind,
    RecordSource,
    RequestOutcome,
)
from consumers.api.web import Request, Response, error_body, json_response, request_from_environ
from consumers.api.web import status_line as _status_line
from mcr.core.logging import get_logger

__all__ = ["Api", "AuditSink", "load_assets"]

log = get_logger(__name__)
Clock = Callable[[], datetime]
StartResponse = Callable[..., Any]
_PAGE_HEADERS: tuple[tuple[str, str], ...] = (
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-cache"),
)
_INTERNAL_ERROR = "internal error: no data returned"
_ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}


class AuditSink(Protocol):
    """Where audit rows go (``audit.AuditLog``); raises AuditError when it cannot."""

    def append(self, entry: AuditEntry) -> object: ...


@dataclass(frozen=True)
class _Endpoint:
    template: str
    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    handler: Callable[[Request, Mapping[str, str]], Response]


def load_assets() -> dict[str, tuple[str, bytes]]:
    """The viewer's files by path: content type and bytes (read once, at start)."""
    folder = resources.files("consumers.api.static")
    return {
        path: (kind, folder.joinpath(name).read_bytes()) for path, (name, kind) in _ASSETS.items()
    }


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_request_id() -> str:
    return uuid.uuid4().hex


class Api:
    """The query service as a WSGI callable; ``handle`` is the same without WSGI."""

    def __init__(
        self,
        *,
        records: RecordSource,
        consent: ConsentSource,
        audit: AuditSink,
        clock: Clock = _utc_now,
        new_request_id: Callable[[], str] = _new_request_id,
        assets: Mapping[str, tuple[str, bytes]] | None = None,
    ) -> None:
        self._records = records
        self._consent = consent
        self._audit = audit
        self._clock = clock
        self._new_request_id = new_request_id
        self._assets = load_assets() if assets is None else dict(assets)
        self._endpoints = (
            _Endpoint("/", re.compile(r"^/$"), ("GET",), self._asset),
            _Endpoint("/static/{file}", re.compile(r"^/static/[\w.-]+$"), ("GET",), self._asset),
            _Endpoint("/api/health", re.compile(r"^/api/health$"), ("GET",), self._health),
            _Endpoint("/api/patients", re.compile(r"^/api/patients$"), ("GET",), self._patients),
            _Endpoint(
                "/api/persons/{person_id}/record",
                re.compile(r"^/api/persons/(?P<person_id>[^/]+)/record$"),
                ("GET",),
                self._record,
            ),
        )

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        response = self.handle(request_from_environ(environ))
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(_status_line(response.status), headers)
        return [response.body]

    def handle(self, request: Request) -> Response:
        """Answer ``request`` at its endpoint; never raises."""
        started = time.monotonic()
        template = "unmatched"
        try:
            endpoint, params = self._match(request)
            template = endpoint.template
            if request.method not in endpoint.methods:
                raise MethodNotAllowedError(
                    f"method {request.method}: not allowed here", allowed=endpoint.methods
                )
            response = endpoint.handler(request, params)
        except MethodNotAllowedError as exc:
            allow = (("Allow", ", ".join(exc.allowed)),)
            response = json_response(exc.status, error_body(str(exc)), headers=allow)
        except RequestError as exc:
            response = json_response(exc.status, error_body(str(exc), exc.field))
        except Exception as exc:  # a bug: answer 500 without data, log the type only
            log.error("api request failed", path=template, error_type=type(exc).__name__)
            response = json_response(500, error_body(_INTERNAL_ERROR))
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        log.info("api request", path=template, status=response.status, duration_ms=duration_ms)
        return response

    def _match(self, request: Request) -> tuple[_Endpoint, Mapping[str, str]]:
        for endpoint in self._endpoints:
            found = endpoint.pattern.match(request.path)
            if found is not None:
                return endpoint, found.groupdict()
        raise NotFoundError("no such route")

    def _asset(self, request: Request, _params: Mapping[str, str]) -> Response:
        found = self._assets.get(request.path)
        if found is None:
            raise NotFoundError("no such file")
        kind, body = found
        return Response(200, (("Content-Type", kind), *_PAGE_HEADERS), body)

    def _health(self, _request: Request, _params: Mapping[str, str]) -> Response:
        return json_response(200, {"status": "ok"})

    def _patients(self, request: Request, _params: Mapping[str, str]) -> Response:
        kind = service.search_kind(request.query)
        return self._audited(
            request,
            action="GET /api/patients",
            fallback=Disclosure(kind),
            answer=lambda now: service.search_patients(
                self._records, self._consent, request.query, now
            ),
        )

    def _record(self, request: Request, params: Mapping[str, str]) -> Response:
        raw = params["person_id"]
        try:
            subject: tuple[str, ...] = (validation.person_id(raw),)
        except RequestError:
            subject = ()  # not an id: it may be anything a user typed, so it is not kept

        def answer(now: datetime) -> Answer:
            person_id = validation.person_id(raw)
            return service.person_record(
                self._records, self._consent, person_id, request.query, now
            )

        return self._audited(
            request,
            action="GET /api/persons/{person_id}/record",
            fallback=Disclosure(QueryKind.PERSON_RECORD, subject),
            answer=answer,
        )

    def _audited(
        self,
        request: Request,
        *,
        action: str,
        fallback: Disclosure,
        answer: Callable[[datetime], Answer],
    ) -> Response:
        """Answer a data request: viewer first, then the answer, its audit row, the response."""
        viewer = validation.viewer(request.headers)
        now = self._clock()
        result = _answered(answer, now, fallback)
        told = result.disclosure
        request_id = self._new_request_id()
        entry = AuditEntry(
            at=now,
            request_id=request_id,
            user_id=viewer.user_id,
            purpose=viewer.purpose,
            action=action,
            query_kind=told.query_kind.value,
            person_ids=told.person_ids,
            outcome=told.outcome.value,
            status=result.status,
            shown=told.shown,
            kept_back=told.kept_back,
        )
        try:
            self._audit.append(entry)
        except Exception as exc:  # AuditError, or a bug in the sink: no row, so no data
            log.error("audit row not written", error_type=type(exc).__name__)
            return json_response(503, error_body("audit log unavailable: no data returned"))
        return json_response(result.status, result.body, headers=(("X-Request-Id", request_id),))


def _answered(answer: Callable[[datetime], Answer], now: datetime, fallback: Disclosure) -> Answer:
    """The answer, or the refusal a request error, an unavailable service or a bug becomes.

    A bug answers the fixed 500 body and is audited as an error like any other failure, so
    every data request still writes exactly one row. Only the exception's type is logged: its
    message may hold what was searched for."""
    try:
        return answer(now)
    except RequestError as exc:
        rejected = Disclosure(fallback.query_kind, fallback.person_ids, RequestOutcome.REJECTED)
        return Answer(exc.status, error_body(str(exc), exc.field), rejected)
    except ServiceUnavailableError as exc:
        log.warning("backing service unavailable", error_type=type(exc).__name__)
        failed = Disclosure(fallback.query_kind, fallback.person_ids, RequestOutcome.ERROR)
        return Answer(503, error_body(f"{exc}: no data returned"), failed)
    except Exception as exc:  # a bug: no data, but still one audit row
        log.error("api request failed", error_type=type(exc).__name__)
        failed = Disclosure(fallback.query_kind, fallback.person_ids, RequestOutcome.ERROR)
        return Answer(500, error_body(_INTERNAL_ERROR), failed)
