"""Real tokens from the local Keycloak, validated into users; and the token matrix of refusals."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from jwt.algorithms import RSAAlgorithm

from consumers.api.auth import Authenticator, AuthSettings, IssuerKeys
from consumers.api.auth.errors import (
    AlgorithmNotAllowedError,
    AudienceError,
    ExpiredTokenError,
    IssuerError,
    MissingClaimError,
    NotYetValidError,
    SelectedRoleError,
    SignatureError,
    UnknownKeyError,
)
from consumers.api.auth.oidc import http_fetch_json
from deploy.local import StackSettings
from tests.auth_tokens import hmac_with_secret, rsa_key, unsigned
from tests.integration.auth.keycloak_client import (
    REALM,
    admin,
    jwks,
    password_grant,
    tokens_for,
)

DEMO_USERS = [u for u in REALM["users"] if u["username"].startswith("demo-")]


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


@pytest.fixture(scope="module")
def settings(stack: StackSettings) -> AuthSettings:
    return AuthSettings(issuer=stack.auth_issuer)


@pytest.fixture(scope="module")
def auth(settings: AuthSettings) -> Authenticator:
    return Authenticator(settings)


@pytest.fixture(scope="module")
def gp_tokens(stack: StackSettings) -> dict[str, str]:
    return tokens_for(stack, "demo-gp")


@pytest.mark.parametrize("user", DEMO_USERS, ids=[u["username"] for u in DEMO_USERS])
def test_each_demo_user_signs_in_as_the_right_principal(
    stack: StackSettings, auth: Authenticator, user: dict[str, Any]
) -> None:
    """A demo user's access token validates into their id, roles and selected role."""
    attributes = user["attributes"]
    roles = [json.loads(value) for value in attributes["nhsid_nrbac_roles"]]

    principal = auth.authenticate(tokens_for(stack, user["username"])["access"])

    assert principal.user_id == attributes["uid"][0]
    assert [(r.role_id, r.org_code, r.role_code, r.role_name) for r in principal.roles] == [
        (r["person_roleid"], r["org_code"], r["role_code"], r["role_name"]) for r in roles
    ]
    assert principal.selected_role.role_id == attributes["selected_roleid"][0]
    assert principal.assurance_level == 3
    assert principal.subject


def test_the_two_role_user_acts_for_the_organisation_of_the_selected_role(
    stack: StackSettings, auth: Authenticator
) -> None:
    """The user with roles at a GP practice and a mental health trust acts for the practice."""
    principal = auth.authenticate(tokens_for(stack, "demo-gp-two-roles")["access"])

    assert {r.org_code for r in principal.roles} == {"E81025", "RWK"}
    assert principal.organisation == "E81025"


def test_the_viewer_client_refuses_the_password_grant(stack: StackSettings) -> None:
    """Direct access grants are off for mcr-viewer: only the code flow with PKCE remains."""
    status, body = password_grant(stack, "demo-gp", client_id="mcr-viewer")

    assert status in {400, 401}
    assert body["error"] == "unauthorized_client"


def _flip_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


def _issuer_public_pem(stack: StackSettings, kid: str) -> bytes:
    jwk = next(k for k in jwks(stack) if k["kid"] == kid)
    key = RSAAlgorithm.from_jwk(json.dumps(jwk))
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )  # type: ignore[union-attr]
    )


Case = Callable[[StackSettings, dict[str, str], AuthSettings], tuple[Authenticator, str]]


def _bad_signature(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    return Authenticator(s), _flip_signature(tokens["access"])


def _another_key_same_kid(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    forged = rsa_key(_kid(tokens["access"])).sign(_claims(tokens["access"]))
    return Authenticator(s), forged


def _another_key_own_kid(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    return Authenticator(s), rsa_key("attacker-key").sign(_claims(tokens["access"]))


def _expired(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    later = time.time() + 300 + s.clock_skew_s + 5  # Keycloak's access tokens live 300 s
    return Authenticator(s, wall_clock=lambda: later), tokens["access"]


def _not_yet_valid(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    earlier = time.time() - 120  # the token's iat lies 2 minutes after our clock
    return Authenticator(s, wall_clock=lambda: earlier), tokens["access"]


def _wrong_issuer(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    # The same realm seen as "localhost": Keycloak names that issuer and serves the same keys.
    other = AuthSettings(issuer=s.issuer.replace("127.0.0.1", "localhost"))
    return Authenticator(other), tokens["access"]


def _wrong_audience(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    # A genuine, validly signed ID token: its audience is the client, not mcr-api.
    return Authenticator(s), tokens["id"]


def _alg_none(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    return Authenticator(s), unsigned(_claims(tokens["access"]), kid=_kid(tokens["access"]))


def _hmac_with_public_key(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    kid = _kid(tokens["access"])
    return Authenticator(s), hmac_with_secret(
        _claims(tokens["access"]), _issuer_public_pem(stack, kid), kid
    )


def _missing_role_claim(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    return Authenticator(s), tokens_for(stack, "test-no-role")["access"]


def _selected_role_not_held(
    stack: StackSettings, tokens: dict[str, str], s: AuthSettings
) -> tuple[Authenticator, str]:
    return Authenticator(s), tokens_for(stack, "test-stale-selected-role")["access"]


@pytest.mark.parametrize(
    ("case", "error", "rule"),
    [
        (_bad_signature, SignatureError, "signature"),
        (_another_key_same_kid, SignatureError, "signature"),
        (_another_key_own_kid, UnknownKeyError, "kid"),
        (_expired, ExpiredTokenError, "exp"),
        (_not_yet_valid, NotYetValidError, "nbf"),
        (_wrong_issuer, IssuerError, "iss"),
        (_wrong_audience, AudienceError, "aud"),
        (_alg_none, AlgorithmNotAllowedError, "alg"),
        (_hmac_with_public_key, AlgorithmNotAllowedError, "alg"),
        (_missing_role_claim, MissingClaimError, "nhsid_nrbac_roles"),
        (_selected_role_not_held, SelectedRoleError, "selected_roleid"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) and not isinstance(v, type) else None,
)
def test_token_matrix_each_forgery_is_refused_with_its_own_error(
    stack: StackSettings,
    gp_tokens: dict[str, str],
    settings: AuthSettings,
    case: Case,
    error: type[Exception],
    rule: str,
) -> None:
    """Against the real issuer, every bad token is refused by the rule it breaks, and only that."""
    authenticator, token = case(stack, gp_tokens, settings)

    with pytest.raises(error) as caught:
        authenticator.authenticate(token)

    assert type(caught.value) is error
    assert caught.value.rule == rule  # type: ignore[attr-defined]


def test_the_untouched_token_is_accepted_by_the_same_authenticator(
    gp_tokens: dict[str, str], settings: AuthSettings
) -> None:
    """The matrix's base token is valid, so each refusal above is caused by its one change."""
    assert Authenticator(settings).authenticate(gp_tokens["access"]).organisation == "E81001"


class CountingFetch:
    """The real HTTP fetcher, counting requests per URL."""

    def __init__(self, settings: AuthSettings) -> None:
        self._fetch = http_fetch_json(settings)
        self.urls: list[str] = []

    def __call__(self, url: str) -> Any:
        self.urls.append(url)
        return self._fetch(url)

    def jwks_fetches(self) -> int:
        return sum(url.endswith("/certs") for url in self.urls)


def test_unknown_kids_refresh_the_real_jwks_at_most_once_per_interval(
    gp_tokens: dict[str, str], settings: AuthSettings
) -> None:
    """An unknown kid refetches Keycloak's JWKS; a flood of them within the interval does not."""
    fetch = CountingFetch(settings)
    clock = [0.0]
    keys = IssuerKeys(settings, fetch_json=fetch, clock=lambda: clock[0])
    auth = Authenticator(settings, keys=keys)
    auth.authenticate(gp_tokens["access"])
    assert fetch.jwks_fetches() == 1

    clock[0] += settings.jwks_min_refresh_s + 1
    for n in range(100):
        with pytest.raises(UnknownKeyError):
            auth.authenticate(rsa_key(f"made-up-{n}").sign(_claims(gp_tokens["access"])))

    assert fetch.jwks_fetches() == 2
    assert auth.authenticate(gp_tokens["access"]).user_id == "555000000001"
    assert fetch.jwks_fetches() == 2
    assert sum(url.endswith("openid-configuration") for url in fetch.urls) == 1


@pytest.fixture
def rotate_key(stack: StackSettings) -> Iterator[Callable[[], str]]:
    """Adds a new, higher-priority RSA signing key to the realm when called (removed after the
    test); the call returns the new kid."""
    added: list[str] = []

    def rotate() -> str:
        realm_id = admin(stack, "")[1]["id"]
        name = f"rotation-{uuid.uuid4().hex[:8]}"
        component = {
            "name": name,
            "providerId": "rsa-generated",
            "providerType": "org.keycloak.keys.KeyProvider",
            "parentId": realm_id,
            "config": {"priority": ["1000"], "keySize": ["2048"], "algorithm": ["RS256"]},
        }
        assert admin(stack, "/components", method="POST", body=component)[0] == 201
        component_id = admin(stack, f"/components?name={name}")[1][0]["id"]
        added.append(component_id)
        keys = admin(stack, "/keys")[1]["keys"]
        return str(next(k["kid"] for k in keys if k.get("providerId") == component_id))

    yield rotate
    for component_id in added:
        assert admin(stack, f"/components/{component_id}", method="DELETE")[0] == 204


def test_a_key_rotated_at_the_issuer_is_picked_up_on_its_first_token(
    stack: StackSettings,
    gp_tokens: dict[str, str],
    settings: AuthSettings,
    rotate_key: Callable[[], str],
) -> None:
    """Keys cached before a rotation are refreshed once when a token names the new kid."""
    fetch = CountingFetch(settings)
    clock = [0.0]
    keys = IssuerKeys(settings, fetch_json=fetch, clock=lambda: clock[0])
    auth = Authenticator(settings, keys=keys)
    auth.authenticate(gp_tokens["access"])  # caches the JWKS as it is before the rotation
    new_kid = rotate_key()
    fresh = tokens_for(stack, "demo-nurse")["access"]
    assert _kid(fresh) == new_kid != _kid(gp_tokens["access"])

    clock[0] += settings.jwks_min_refresh_s + 1
    principal = auth.authenticate(fresh)

    assert principal.organisation == "K82001"
    assert fetch.jwks_fetches() == 2
