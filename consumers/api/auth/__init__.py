"""Bearer-token authentication: OIDC access tokens (NHS CIS2 or our local Keycloak) in, a typed
user out (see docs/auth.md).

Pure core: ``tokens`` (header, signature, issuer, audience, time checks), ``principal`` (the
user from CIS2-shaped claims). Thin I/O: ``oidc`` (discovery and JWKS, cached, refreshed under a
lock), ``authenticator`` (the one call the API makes). ``settings`` reads ``MCR_AUTH_*``.
"""

from consumers.api.auth.authenticator import Authenticator
from consumers.api.auth.errors import AuthError, IdentityProviderError, TokenRejectedError
from consumers.api.auth.oidc import IssuerKeys
from consumers.api.auth.principal import Principal, Role
from consumers.api.auth.settings import AuthSettings
from consumers.api.auth.tokens import ALLOWED_ALGORITHMS, TokenPolicy, validate

__all__ = [
    "ALLOWED_ALGORITHMS",
    "AuthError",
    "AuthSettings",
    "Authenticator",
    "IdentityProviderError",
    "IssuerKeys",
    "Principal",
    "Role",
    "TokenPolicy",
    "TokenRejectedError",
    "validate",
]
