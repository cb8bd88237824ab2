"""Errors of bearer-token validation. Messages name the rule, never the token or a claim value.

The API maps ``TokenRejectedError`` to 401 (with ``WWW-Authenticate: Bearer``) and
``IdentityProviderError`` to 503::

    McrError
    └── AuthError                        a request could not be authenticated
        ├── TokenRejectedError           401: the token breaks a rule; ``rule`` names it
        │   ├── MalformedTokenError      not a compact JWS, or its header is unreadable
        │   ├── AlgorithmNotAllowedError ``none``, HMAC, or any ``alg`` outside the allowlist
        │   ├── UnknownKeyError          no ``kid``, or a ``kid`` the issuer does not publish
        │   ├── SignatureError           the signature does not verify with the issuer's key
        │   ├── ExpiredTokenError        ``exp`` is past (beyond the clock skew)
        │   ├── NotYetValidError         ``nbf`` or ``iat`` is in the future (beyond the skew)
        │   ├── IssuerError              ``iss`` is not the configured issuer
        │   ├── AudienceError            the configured audience is not in ``aud``
        │   └── ClaimsError              a claim the user is built from is wrong
        │       ├── MissingClaimError    a required claim is absent
        │       ├── ClaimShapeError      a claim has the wrong type or form
        │       └── SelectedRoleError    ``selected_roleid`` is not one of the user's roles
        └── IdentityProviderError        503: discovery or JWKS could not be fetched or read
"""

from __future__ import annotations

from mcr.core.errors import McrError

__all__ = [
    "AlgorithmNotAllowedError",
    "AudienceError",
    "AuthError",
    "ClaimShapeError",
    "ClaimsError",
    "ExpiredTokenError",
    "IdentityProviderError",
    "IssuerError",
    "MalformedTokenError",
    "MissingClaimError",
    "NotYetValidError",
    "SelectedRoleError",
    "SignatureError",
    "TokenRejectedError",
    "UnknownKeyError",
]


class AuthError(McrError):
    """Root of every error raised by ``consumers.api.auth``."""


class TokenRejectedError(AuthError):
    """The bearer token breaks ``rule`` (a short, value-free name such as ``"exp"``)."""

    rule = "token"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.rule}: {message}")


class MalformedTokenError(TokenRejectedError):
    """Not three base64url parts, or a header that is not a JSON object."""

    rule = "jws"


class AlgorithmNotAllowedError(TokenRejectedError):
    """The header's ``alg`` is not an allowed asymmetric algorithm (refused before any key use)."""

    rule = "alg"


class UnknownKeyError(TokenRejectedError):
    """The header names no ``kid``, or one that the issuer's JWKS does not hold."""

    rule = "kid"


class SignatureError(TokenRejectedError):
    """The signature does not verify with the issuer's key for ``kid``."""

    rule = "signature"


class ExpiredTokenError(TokenRejectedError):
    """``exp`` is in the past by more than the clock skew."""

    rule = "exp"


class NotYetValidError(TokenRejectedError):
    """``nbf`` or ``iat`` is in the future by more than the clock skew."""

    rule = "nbf"


class IssuerError(TokenRejectedError):
    """``iss`` is not the configured issuer."""

    rule = "iss"


class AudienceError(TokenRejectedError):
    """The configured audience is not in ``aud``."""

    rule = "aud"


class ClaimsError(TokenRejectedError):
    """A claim the user is built from is missing or malformed; ``rule`` is the claim path."""

    def __init__(self, claim: str, message: str) -> None:
        self.rule = claim
        super().__init__(message)


class MissingClaimError(ClaimsError):
    """A required claim is absent."""


class ClaimShapeError(ClaimsError):
    """A claim has the wrong JSON type or form."""


class SelectedRoleError(ClaimsError):
    """``selected_roleid`` names no role in ``nhsid_nrbac_roles``."""


class IdentityProviderError(AuthError):
    """The issuer's discovery document or JWKS could not be fetched or is not usable."""
