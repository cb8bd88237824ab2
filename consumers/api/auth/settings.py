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

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from consumers.api.auth.tokens import ALLOWED_ALGORITHMS, TokenPolicy

__all__ = ["DEFAULT_ISSUER", "AuthSettings"]

DEFAULT_ISSUER = "http://127.0.0.1:8180/realms/mcr"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _seconds(source: Mapping[str, str], name: str, default: float, *, most: float) -> float:
    raw = source.get(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= most:
        raise ValueError(f"{name}: expected a number of seconds from 0 to {most:g}")
    return value


def _algorithms(raw: str) -> frozenset[str]:
    names = frozenset(name.strip() for name in raw.split(",") if name.strip())
    if not names or not names <= ALLOWED_ALGORITHMS:
        raise ValueError(f"MCR_AUTH_ALGORITHMS: expected names from {sorted(ALLOWED_ALGORITHMS)}")
    return names


@dataclass(frozen=True)
class AuthSettings:
    """Which issuer and audience tokens must name, and how keys are fetched and cached."""

    issuer: str = DEFAULT_ISSUER
    audience: str = "mcr-api"
    algorithms: frozenset[str] = ALLOWED_ALGORITHMS
    clock_skew_s: float = 30.0
    jwks_max_age_s: float = 3600.0
    jwks_min_refresh_s: float = 30.0
    ca_file: str | None = None
    http_timeout_s: float = 5.0

    def __post_init__(self) -> None:
        url = urlsplit(self.issuer)
        if url.scheme != "https" and not (url.scheme == "http" and url.hostname in _LOOPBACK):
            raise ValueError("MCR_AUTH_ISSUER: expected an https URL (http only on loopback)")
        if url.query or url.fragment or url.username:
            raise ValueError("MCR_AUTH_ISSUER: expected no query, fragment or credentials")
        if not self.audience.strip():
            raise ValueError("MCR_AUTH_AUDIENCE: expected a non-empty audience")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AuthSettings:
        """Build settings from ``env`` (default: the process environment).

        Raises ValueError naming the variable that breaks a rule.
        """
        source = os.environ if env is None else env
        return cls(
            issuer=source.get("MCR_AUTH_ISSUER", DEFAULT_ISSUER),
            audience=source.get("MCR_AUTH_AUDIENCE", "mcr-api"),
            algorithms=_algorithms(source.get("MCR_AUTH_ALGORITHMS", "RS256,PS256,ES256")),
            clock_skew_s=_seconds(source, "MCR_AUTH_CLOCK_SKEW", 30, most=300),
            jwks_max_age_s=_seconds(source, "MCR_AUTH_JWKS_MAX_AGE", 3600, most=86400),
            jwks_min_refresh_s=_seconds(source, "MCR_AUTH_JWKS_MIN_REFRESH", 30, most=3600),
            ca_file=source.get("MCR_AUTH_CA_FILE") or None,
            http_timeout_s=_seconds(source, "MCR_AUTH_HTTP_TIMEOUT", 5, most=60),
        )

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
