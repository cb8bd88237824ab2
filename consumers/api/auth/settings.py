"""Configuration of bearer-token validation, read once from the environment (loopback defaults).

=========================  ==========================================  ========================
variable                   field                                       default
=========================  ==========================================  ========================
MCR_AUTH_ISSUER            issuer (OIDC issuer URL, exact ``iss``)     ``DEFAULT_ISSUER``
MCR_AUTH_AUDIENCE          audience required in ``aud``                mcr-api
MCR_AUTH_ALGORITHMS        algorithms (within RS256,PS256,ES256)       RS256,PS256,ES256
MCR_AUTH_CLOCK_SKEW        clock_skew_s for ``exp``, ``nbf``, ``iat``  30
MCR_AUTH_JWKS_MAX_AGE      jwks_max_age_s: keys refetched after this   3600
MCR_AUTH_JWKS_MIN_REFRESH  jwks_min_refresh_s: at most one refetch     30
                           per interval (unknown ``kid``, age)
MCR_AUTH_CA_FILE           ca_file: CA bundle for the issuer's TLS     (system CAs)
MCR_AUTH_HTTP_TIMEOUT      http_timeout_s for discovery and JWKS       5
=========================  ==========================================  ========================

``DEFAULT_ISSUER`` is the local Keycloak realm, http://127.0.0.1:8180/realms/mcr.
Pointing the service at NHS CIS2 (or any OIDC issuer) is configuration alone: its issuer URL and
the audience it puts in access tokens. The issuer must use https unless it is on loopback.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field

from consumers.api.auth.tokens import ALLOWED_ALGORITHMS, TokenPolicy
from mcr.core.settings import McrSettings, rule

__all__ = ["DEFAULT_ISSUER", "AuthSettings"]

DEFAULT_ISSUER = "http://127.0.0.1:8180/realms/mcr"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _issuer_ok(value: str) -> bool:
    url = urlsplit(value)
    secure = url.scheme == "https" or (url.scheme == "http" and url.hostname in _LOOPBACK)
    return secure and not (url.query or url.fragment or url.username or url.password)


def _algorithms(value: Any) -> frozenset[str] | None:
    names = value.split(",") if isinstance(value, str) else value
    chosen = frozenset(name.strip() for name in names if name.strip())
    return chosen if chosen and chosen <= ALLOWED_ALGORITHMS else None


def _seconds(variable: str, most: float) -> Any:
    return Field(validation_alias=variable, ge=0, le=most, allow_inf_nan=False)


class AuthSettings(McrSettings):
    """Which issuer and audience tokens must name, and how keys are fetched and cached."""

    issuer: Annotated[
        str,
        rule(_issuer_ok, "expected an https URL (http only on loopback), no query or credentials"),
        Field(validation_alias="MCR_AUTH_ISSUER"),
    ] = DEFAULT_ISSUER
    audience: Annotated[
        str,
        rule(lambda v: bool(v.strip()), "expected a non-empty audience"),
        Field(validation_alias="MCR_AUTH_AUDIENCE"),
    ] = "mcr-api"
    algorithms: Annotated[
        frozenset[str],
        rule(_algorithms, f"expected names from {','.join(sorted(ALLOWED_ALGORITHMS))}"),
        Field(validation_alias="MCR_AUTH_ALGORITHMS"),
    ] = ALLOWED_ALGORITHMS
    clock_skew_s: Annotated[float, _seconds("MCR_AUTH_CLOCK_SKEW", 300)] = 30.0
    jwks_max_age_s: Annotated[float, _seconds("MCR_AUTH_JWKS_MAX_AGE", 86400)] = 3600.0
    jwks_min_refresh_s: Annotated[float, _seconds("MCR_AUTH_JWKS_MIN_REFRESH", 3600)] = 30.0
    ca_file: Annotated[str, Field(validation_alias="MCR_AUTH_CA_FILE")] = ""
    http_timeout_s: Annotated[float, _seconds("MCR_AUTH_HTTP_TIMEOUT", 60)] = 5.0

    @property
    def policy(self) -> TokenPolicy:
        """The rules every token is validated against."""
        return TokenPolicy(
            issuer=self.issuer,
            audience=self.audience,
            algorithms=self.algorithms,
            clock_skew_s=self.clock_skew_s,
        )

    @property
    def discovery_url(self) -> str:
        """Where OIDC discovery lives (``iss`` itself is compared exactly, slash and all)."""
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"
