"""What the routes depend on: the ports, the signed-in user in their acting role, the purpose.

Authentication happens here and nowhere else (docs/api.md, "Sign-in"):

- ``Authorization: Bearer <token>`` is validated by the :class:`TokenAuthenticator`
  (``consumers.api.auth.Authenticator``). No token, or one that breaks a rule, is 401 with
  ``WWW-Authenticate: Bearer``; the body names the rule (``exp``, ``aud``, ``alg``...), never the
  token. The issuer's keys out of reach is 503.
- The acting role: the token's ``selected_roleid``, or the role named by ``X-MCR-Role`` when the
  user holds it (else 400).
- ``X-MCR-User`` and any other identity header a client sends are ignored.

The result, :data:`CurrentUser`, is a typed value routes receive as a parameter; the request's
audit trail learns who it is at the same moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Protocol

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from consumers.api import validation
from consumers.api.acting import ROLE_HEADER, ActingUser, acting_role
from consumers.api.auth import IdentityProviderError, Principal, TokenRejectedError
from consumers.api.errors import RateLimitedError, ServiceUnavailableError, UnauthenticatedError
from consumers.api.guard import trail_of
from consumers.api.rate_limit import TokenBucket
from consumers.api.service import ConsentSource, RecordSource
from consumers.api.validation import PURPOSE_HEADER, PURPOSES

__all__ = [
    "CurrentUser",
    "Ports",
    "Purpose",
    "SearchingUser",
    "TokenAuthenticator",
    "ports",
]


class TokenAuthenticator(Protocol):
    """Bearer token in, user out (``consumers.api.auth.Authenticator``)."""

    def authenticate(self, token: str) -> Principal: ...


@dataclass(frozen=True)
class Ports:
    """What the routes read through, kept on the application (``app.state.ports``)."""

    records: RecordSource
    consent: ConsentSource
    authenticator: TokenAuthenticator
    search_limiter: TokenBucket
    clock: Callable[[], datetime]


def ports(request: Request) -> Ports:
    """The application's ports."""
    found: Ports = request.app.state.ports
    return found


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An OIDC access token of the configured issuer (NHS CIS2; locally Keycloak).",
)


def _principal(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    if credentials is None:
        raise UnauthenticatedError(
            "Authorization: a bearer token is required", field="Authorization"
        )
    try:
        return ports(request).authenticator.authenticate(credentials.credentials)
    except TokenRejectedError as exc:
        raise UnauthenticatedError(
            f"Authorization: bearer token refused ({exc.rule})", field="Authorization"
        ) from None  # the cause would carry nothing more useful, and never the token
    except IdentityProviderError as exc:
        raise ServiceUnavailableError("identity provider unavailable") from exc


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    role: Annotated[
        str | None,
        Header(alias=ROLE_HEADER, description="person_roleid of one of the user's roles"),
    ] = None,
) -> ActingUser:
    """The signed-in user in their acting role (401, 400 or 503 otherwise)."""
    principal = _principal(request, credentials)
    trail = trail_of(request.scope)
    trail.user_id = str(principal.user_id)
    user = ActingUser(principal, acting_role(principal, role))
    trail.role_id, trail.role_code = str(user.role.role_id), user.role.role_code
    trail.org_code = str(user.role.org_code)
    return user


CurrentUser = Annotated[ActingUser, Depends(current_user)]


def purpose(
    request: Request,
    value: Annotated[
        str | None,
        Header(alias=PURPOSE_HEADER, description=f"why: one of {', '.join(PURPOSES)}"),
    ] = None,
) -> str:
    """Why the record is read: ``X-MCR-Purpose``, one of :data:`PURPOSES` (400 otherwise)."""
    given = validation.purpose(value)
    trail_of(request.scope).purpose = given
    return given


Purpose = Annotated[str, Depends(purpose)]


def searching_user(request: Request, user: CurrentUser) -> ActingUser:
    """The current user, within their demographic-search allowance (429 otherwise)."""
    wait = ports(request).search_limiter.take(user.user_id)
    if wait:
        raise RateLimitedError("rate limit: too many searches, try again later", retry_after=wait)
    return user


SearchingUser = Annotated[ActingUser, Depends(searching_user)]
