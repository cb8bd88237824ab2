"""Bearer-token validation: header, signature, issuer, audience, time, then the user (pure).

Order matters for safety: the header's ``alg`` is checked against the asymmetric allowlist
*before* a key is looked up or used, so ``none`` and every HMAC (including the trick of using
the issuer's public key as an HMAC secret) are refused without touching a key. The key comes
from the caller (``key_for(kid)``, the JWKS cache in production) and must suit ``alg``.
Signature checking is PyJWT's; this module decides which checks run and names each refusal.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import ECAlgorithm, RSAAlgorithm, RSAPSSAlgorithm

from consumers.api.auth.errors import (
    AlgorithmNotAllowedError,
    AudienceError,
    ClaimShapeError,
    ExpiredTokenError,
    IssuerError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    SignatureError,
    UnknownKeyError,
)
from consumers.api.auth.principal import Principal, principal_from_claims

__all__ = [
    "ALLOWED_ALGORITHMS",
    "KeyLookup",
    "TokenHeader",
    "TokenPolicy",
    "read_header",
    "validate",
]

# Asymmetric only: the issuer signs, we verify with its public key and hold no secret.
_ALGORITHMS: dict[str, RSAAlgorithm | ECAlgorithm] = {
    "RS256": RSAAlgorithm(RSAAlgorithm.SHA256),
    "PS256": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA256),
    "ES256": ECAlgorithm(ECAlgorithm.SHA256),
}
ALLOWED_ALGORITHMS = frozenset(_ALGORITHMS)
_KEY_TYPES = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC"}

KeyLookup = Callable[[str], Mapping[str, Any]]
"""Returns the issuer's public JWK for a ``kid``; raises UnknownKeyError when there is none."""


@dataclass(frozen=True)
class TokenPolicy:
    """What a token must satisfy: who issued it, for whom, signed how, with how much skew."""

    issuer: str
    audience: str
    algorithms: frozenset[str] = ALLOWED_ALGORITHMS
    clock_skew_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.algorithms or not self.algorithms <= ALLOWED_ALGORITHMS:
            raise ValueError(f"algorithms: expected a subset of {sorted(ALLOWED_ALGORITHMS)}")
        if not 0 <= self.clock_skew_s <= 300:
            raise ValueError("clock_skew_s: expected 0-300 seconds")


@dataclass(frozen=True)
class TokenHeader:
    """The JOSE header fields validation uses."""

    alg: str
    kid: str


def read_header(token: str, policy: TokenPolicy) -> TokenHeader:
    """The header of ``token`` once ``alg`` is allowed and a ``kid`` is named.

    Raises MalformedTokenError, AlgorithmNotAllowedError or UnknownKeyError.
    """
    if token.count(".") != 2:
        raise MalformedTokenError("expected a compact JWS (three base64url parts)")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as exc:
        raise MalformedTokenError("header is not base64url JSON") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in policy.algorithms:
        raise AlgorithmNotAllowedError(f"not one of {sorted(policy.algorithms)}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise UnknownKeyError("header names no key id")
    return TokenHeader(alg=alg, kid=kid)


def validate(token: str, *, policy: TokenPolicy, key_for: KeyLookup, now: float) -> Principal:
    """The user a bearer ``token`` stands for, at time ``now`` (seconds since the epoch).

    Raises a TokenRejectedError subclass naming the first rule the token breaks.
    """
    header = read_header(token, policy)
    key = _public_key(key_for(header.kid), header.alg)
    claims = _verified_claims(token, key, header.alg)
    _check_issuer_and_audience(claims, policy)
    _check_times(claims, policy.clock_skew_s, now)
    return principal_from_claims(claims)


def _public_key(jwk: Mapping[str, Any], alg: str) -> Any:
    """The verification key for ``alg`` from a public JWK whose type and ``alg`` suit it."""
    if jwk.get("kty") != _KEY_TYPES[alg] or jwk.get("alg", alg) != alg:
        raise AlgorithmNotAllowedError("does not match the issuer's key for this kid")
    if "d" in jwk:
        raise UnknownKeyError("issuer published a private key; refusing to use it")
    try:
        return _parsed_key(alg, json.dumps(dict(jwk), sort_keys=True))
    except (jwt.InvalidKeyError, ValueError, KeyError) as exc:
        raise UnknownKeyError("issuer's key for this kid is not a usable public key") from exc


@functools.lru_cache(maxsize=32)
def _parsed_key(alg: str, jwk_json: str) -> Any:
    """The key object of a JWK, parsed once per key (the issuer publishes a handful)."""
    return _ALGORITHMS[alg].from_jwk(jwk_json)


def _verified_claims(token: str, key: Any, alg: str) -> dict[str, Any]:
    """The payload once the signature verifies; claim checks are ours (see below)."""
    options: dict[str, Any] = {
        "verify_signature": True,
        "verify_exp": False,
        "verify_nbf": False,
        "verify_iat": False,
        "verify_aud": False,
        "verify_iss": False,
    }
    try:
        claims = jwt.decode(token, key=key, algorithms=[alg], options=options)  # type: ignore[arg-type]
    except jwt.InvalidSignatureError as exc:
        raise SignatureError("does not verify with the issuer's key") from exc
    except jwt.DecodeError as exc:
        raise MalformedTokenError("payload is not base64url JSON") from exc
    if not isinstance(claims, dict):
        raise MalformedTokenError("payload is not a JSON object")
    return claims


def _check_issuer_and_audience(claims: Mapping[str, Any], policy: TokenPolicy) -> None:
    if claims.get("iss") != policy.issuer:
        raise IssuerError("not the configured issuer")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or policy.audience not in audiences:
        raise AudienceError(f"{policy.audience} is not an audience of the token")


def _check_times(claims: Mapping[str, Any], skew: float, now: float) -> None:
    """``exp`` is required; ``nbf`` and ``iat`` are checked when present."""
    exp, nbf, iat = (_numeric_date(claims, name) for name in ("exp", "nbf", "iat"))
    if exp is None:
        raise MissingClaimError("exp", "required claim missing")
    if now > exp + skew:
        raise ExpiredTokenError("token has expired")
    if nbf is not None and now + skew < nbf:
        raise NotYetValidError("token is not valid yet")
    if iat is not None and now + skew < iat:
        raise NotYetValidError("token was issued in the future")


def _numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ClaimShapeError(name, "expected a NumericDate (seconds since the epoch)")
    return float(value)
