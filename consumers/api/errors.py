"""Errors of the query service. Messages name the field and the rule, never the value.

``app.py`` turns each into a JSON body (``{"error": ..., "field": ...}``) and a status::

    McrError
    └── ApiError                     anything the query service raises on purpose
        ├── RequestError             the request is wrong (4xx); ``status`` and ``field``
        │   ├── ValidationError      400: a parameter or header breaks a rule
        │   ├── UnauthenticatedError 401: no valid bearer token identified the user
        │   ├── ForbiddenError       403: the access policy refused the acting user
        │   ├── NotFoundError        404: no such route or person
        │   ├── MethodNotAllowedError 405: the route exists, the method does not
        │   └── RateLimitedError     429: too many searches; ``retry_after`` seconds
        └── ServiceUnavailableError  503: a backing service failed; no data is returned
            ├── RecordUnavailableError   OpenSearch could not answer
            ├── ConsentUnavailableError  the consent state could not be read
            └── AuditError               the audit row could not be written
"""

from __future__ import annotations

from mcr.core.errors import McrError

__all__ = [
    "ApiError",
    "AuditError",
    "ConsentUnavailableError",
    "ForbiddenError",
    "MethodNotAllowedError",
    "NotFoundError",
    "RateLimitedError",
    "RecordUnavailableError",
    "RequestError",
    "ServiceUnavailableError",
    "UnauthenticatedError",
    "ValidationError",
]


class ApiError(McrError):
    """Root of every error raised by ``consumers.api``."""


class RequestError(ApiError):
    """A request the service refuses; ``field`` names the offending input ("" when none)."""

    status = 400

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class ValidationError(RequestError):
    """A parameter, header or path segment breaks a rule (400)."""

    status = 400


class UnauthenticatedError(RequestError):
    """No user identifies the viewer (401)."""

    status = 401


class ForbiddenError(RequestError):
    """The access policy does not let the acting user do this (403)."""

    status = 403


class RateLimitedError(RequestError):
    """The user asked too often (429); ``retry_after`` is the whole seconds to wait."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFoundError(RequestError):
    """No such route, or no such person in the record (404)."""

    status = 404


class MethodNotAllowedError(RequestError):
    """The route exists but not for this method (405); ``allowed`` lists the methods."""

    status = 405

    def __init__(self, message: str, *, allowed: tuple[str, ...]) -> None:
        super().__init__(message)
        self.allowed = allowed


class ServiceUnavailableError(ApiError):
    """A backing service failed; the request returns 503 and no patient data."""


class RecordUnavailableError(ServiceUnavailableError):
    """OpenSearch was unreachable, timed out or refused the query."""


class ConsentUnavailableError(ServiceUnavailableError):
    """The consent state could not be read, so nothing may be shown."""


class AuditError(ServiceUnavailableError):
    """The audit row could not be written, so the data is not returned."""
