"""Token builders for authentication tests: local keys, JWKS entries, signed and forged tokens.

Good and forged tokens are made with PyJWT. Two forgeries PyJWT refuses to make on purpose (an
HMAC token keyed with a PEM public key) are assembled by hand here, since that is the attack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://idp.example.invalid/realms/mcr"
AUDIENCE = "mcr-api"
NOW = 1_800_000_000.0


@dataclass(frozen=True)
class SigningKey:
    """A private key with its ``kid`` and algorithm, and its public JWK."""

    private: Any
    kid: str
    alg: str

    @property
    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        algorithm = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        jwk: dict[str, Any] = json.loads(algorithm.to_jwk(public))
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}

    @property
    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        """``claims`` signed with this key (``header`` adds fields or overrides ``kid``; None
        drops one)."""
        fields = {name: value for name, value in {"kid": self.kid, **header}.items() if value}
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=fields)


def rsa_key(kid: str = "rsa-1", alg: str = "RS256") -> SigningKey:
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid, alg)


def ec_key(kid: str = "ec-1") -> SigningKey:
    return SigningKey(ec.generate_private_key(ec.SECP256R1()), kid, "ES256")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any], kid: str = "rsa-1") -> str:
    """An ``alg: none`` token (empty signature)."""
    return jwt.encode(claims, None, algorithm="none", headers={"kid": kid})


def hmac_with_secret(claims: dict[str, Any], secret: bytes, kid: str = "rsa-1") -> str:
    """An HS256 token keyed with ``secret`` (e.g. the issuer's public key PEM), made by hand."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = _b64(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(mac)}"


def with_payload(token: str, claims: dict[str, Any]) -> str:
    """``token`` with its payload replaced and the original signature kept (tampering)."""
    header, _payload, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def role(role_id: str, org: str, code: str = "S8000:G8000:R8000") -> dict[str, str]:
    return {
        "person_roleid": role_id,
        "org_code": org,
        "role_code": code,
        "role_name": "Clinical Practitioner Access Role",
    }


def cis2_claims(**overrides: Any) -> dict[str, Any]:
    """A valid claims set in the shape our Keycloak realm emits; ``overrides`` replace claims
    (a value of None removes the claim)."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "0a1b2c3d-0000-4000-8000-000000000001",
        "iat": int(NOW) - 10,
        "exp": int(NOW) + 300,
        "uid": "555000000001",
        "nhsid_nrbac_roles": [role("555000001001", "E81001")],
        "selected_roleid": "555000001001",
        "id_assurance_level": 3,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}
