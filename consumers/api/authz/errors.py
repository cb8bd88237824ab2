"""Errors of authorisation. Messages name the entry or field and the rule, never the value::

    ApiError (consumers.api.errors)
    └── AuthzError                  anything authorisation raises on purpose
        ├── PolicyError             the access policy file is missing or breaks a rule (at start)
        ├── BreakGlassRequestError  400: a break-glass request breaks a rule (``field`` named);
        │                           also a ``consumers.api.errors.ValidationError``
        └── BreakGlassRefusedError  403: this role may not break the glass (nothing to open)

The free text of a break-glass reason is never part of a message.
"""

from __future__ import annotations

from consumers.api.errors import ApiError, RequestError, ValidationError

__all__ = ["AuthzError", "BreakGlassRefusedError", "BreakGlassRequestError", "PolicyError"]


class AuthzError(ApiError):
    """Root of every error raised by ``consumers.api.authz``."""


class PolicyError(AuthzError):
    """The access policy cannot be used; the message names the file entry and the rule."""


class BreakGlassRequestError(ValidationError, AuthzError):
    """A break-glass request breaks a rule (400); ``field`` names the input."""


class BreakGlassRefusedError(RequestError, AuthzError):
    """The acting role may see no record data, so break-glass would open nothing (403)."""

    status = 403
