"""The issuer's keys: discovery once, JWKS cached, refreshed on an unknown kid, rate-limited."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from consumers.api.auth.errors import IdentityProviderError, UnknownKeyError
from consumers.api.auth.oidc import IssuerKeys
from consumers.api.auth.settings import AuthSettings
from tests.auth_tokens import ec_key, rsa_key

ISSUER = "https://idp.example.invalid/realms/mcr"
DISCOVERY = f"{ISSUER}/.well-known/openid-configuration"
JWKS = f"{ISSUER}/protocol/openid-connect/certs"
OLD, NEW = rsa_key("old"), ec_key("new")


class FakeIssuer:
    """Answers discovery and JWKS from memory and counts requests."""

    def __init__(self, *keys: dict[str, Any]) -> None:
        self.keys = list(keys)
        self.discovery: dict[str, Any] = {"issuer": ISSUER, "jwks_uri": JWKS}
        self.requests: list[str] = []
        self.down = False

    def __call__(self, url: str) -> Any:
        self.requests.append(url)
        if self.down:
            raise IdentityProviderError("issuer unreachable (URLError)")
        return self.discovery if url == DISCOVERY else {"keys": list(self.keys)}

    @property
    def jwks_fetches(self) -> int:
        return self.requests.count(JWKS)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(issuer: FakeIssuer, clock: Clock, **settings: Any) -> IssuerKeys:
    return IssuerKeys(AuthSettings(issuer=ISSUER, **settings), fetch_json=issuer, clock=clock)


def primed_then_rotated(issuer: FakeIssuer, clock: Clock) -> IssuerKeys:
    """Keys that cached the old JWKS; the issuer then added NEW and the interval passed."""
    keys = make(issuer, clock)
    keys("old")
    issuer.keys = [OLD.jwk, NEW.jwk]
    clock.now += 31
    return keys


def test_discovery_and_keys_are_fetched_once_for_many_lookups() -> None:
    """Lookups of a known kid reuse the cache: one discovery, one JWKS fetch."""
    issuer, clock = FakeIssuer(OLD.jwk), Clock()
    keys = make(issuer, clock)

    for _ in range(50):
        assert keys("old")["kid"] == "old"

    assert issuer.requests == [DISCOVERY, JWKS]


def test_an_unknown_kid_triggers_one_refresh_that_finds_a_rotated_key() -> None:
    """After the issuer rotates, the new kid is fetched once the minimum interval has passed."""
    issuer, clock = FakeIssuer(OLD.jwk), Clock()
    keys = primed_then_rotated(issuer, clock)

    assert keys("new")["kid"] == "new"
    assert issuer.jwks_fetches == 2
    assert issuer.requests.count(DISCOVERY) == 1


def test_a_flood_of_unknown_kids_costs_one_fetch_per_interval() -> None:
    """Made-up kids within the minimum refresh interval do not reach the issuer again."""
    issuer, clock = FakeIssuer(OLD.jwk), Clock()
    keys = make(issuer, clock, jwks_min_refresh_s=30)
    keys("old")
    clock.now += 31

    for n in range(200):
        with pytest.raises(UnknownKeyError):
            keys(f"made-up-{n}")
        clock.now += 0.1  # 20 s in all: still inside one interval

    assert issuer.jwks_fetches == 2
    clock.now += 11
    with pytest.raises(UnknownKeyError):
        keys("made-up-again")
    assert issuer.jwks_fetches == 3


def test_concurrent_unknown_kids_refresh_once_under_the_lock() -> None:
    """Many threads asking for a new kid at once cause a single JWKS fetch."""
    issuer, clock = FakeIssuer(OLD.jwk), Clock()
    keys = primed_then_rotated(issuer, clock)
    start = threading.Barrier(16)
    found: list[str] = []

    def ask() -> None:
        start.wait()
        found.append(keys("new")["kid"])

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert found == ["new"] * 16
    assert issuer.jwks_fetches == 2


def test_keys_older_than_the_maximum_age_are_refetched() -> None:
    """A known kid still triggers a refetch once the cache is older than jwks_max_age_s."""
    issuer, clock = FakeIssuer(OLD.jwk), Clock()
    keys = make(issuer, clock, jwks_max_age_s=600)
    keys("old")
    clock.now += 601

    keys("old")

    assert issuer.jwks_fetches == 2


def test_a_failed_refresh_keeps_the_cached_keys() -> None:
    """An issuer outage after the first fetch does not lock users out of known keys."""
    issuer, clock = FakeIssuer(OLD.jwk), Clock()
    keys = make(issuer, clock, jwks_max_age_s=600)
    keys("old")
    issuer.down = True
    clock.now += 601

    assert keys("old")["kid"] == "old"


def test_no_keys_at_all_is_an_identity_provider_error() -> None:
    """When the issuer cannot be reached and nothing is cached, the error is a 503, not a 401."""
    issuer, clock = FakeIssuer(OLD.jwk), Clock()
    issuer.down = True
    keys = make(issuer, clock)

    with pytest.raises(IdentityProviderError):
        keys("old")
    with pytest.raises(IdentityProviderError):
        keys("old")  # rate-limited retry still reports the outage
    assert issuer.requests == [DISCOVERY]


@pytest.mark.parametrize(
    "discovery",
    [
        {"issuer": "https://evil.example/realms/mcr", "jwks_uri": JWKS},
        {"issuer": ISSUER},
        {"issuer": ISSUER, "jwks_uri": "http://idp.example.invalid/certs"},
        ["not", "an", "object"],
    ],
)
def test_a_discovery_document_for_another_issuer_or_without_keys_is_refused(discovery: Any) -> None:
    """Discovery must name the configured issuer and a jwks_uri on the issuer's scheme."""
    issuer, clock = FakeIssuer(OLD.jwk), Clock()
    issuer.discovery = discovery

    with pytest.raises(IdentityProviderError, match="discovery"):
        make(issuer, clock)("old")


def test_encryption_and_private_keys_are_never_used_for_verification() -> None:
    """Only public signature keys (use sig, RSA or EC) are taken from the JWKS."""
    issuer = FakeIssuer(
        {**OLD.jwk, "kid": "enc", "use": "enc"},
        {**OLD.jwk, "kid": "private", "d": "AAAA"},
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        NEW.jwk,
    )
    keys = make(issuer, Clock())

    assert keys("new")["kid"] == "new"
    for kid in ("enc", "private", "hmac"):
        with pytest.raises(UnknownKeyError):
            keys(kid)
