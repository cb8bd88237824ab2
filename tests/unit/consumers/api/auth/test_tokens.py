"""Token validation rule by rule, with locally generated RSA and EC keys (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

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
    TokenRejectedError,
    UnknownKeyError,
)
from consumers.api.auth.principal import Principal
from consumers.api.auth.tokens import TokenPolicy, validate
from tests.auth_tokens import (
    AUDIENCE,
    ISSUER,
    NOW,
    SigningKey,
    cis2_claims,
    ec_key,
    hmac_with_secret,
    rsa_key,
    unsigned,
    with_payload,
)

RSA = rsa_key("rsa-1", "RS256")
PSS = SigningKey(RSA.private, "pss-1", "PS256")
EC = ec_key("ec-1")
OTHER = rsa_key("rsa-1", "RS256")  # same kid as RSA, different key
POLICY = TokenPolicy(issuer=ISSUER, audience=AUDIENCE)


class Keys:
    """A key_for that records which kids were asked for."""

    def __init__(self, *keys: SigningKey) -> None:
        self.jwks = {key.kid: key.jwk for key in keys}
        self.asked: list[str] = []

    def __call__(self, kid: str) -> Mapping[str, Any]:
        self.asked.append(kid)
        if kid not in self.jwks:
            raise UnknownKeyError("issuer publishes no key with this kid")
        return self.jwks[kid]


def check(
    token: str, *, policy: TokenPolicy = POLICY, keys: Keys | None = None, now: float = NOW
) -> Principal:
    return validate(token, policy=policy, key_for=keys or Keys(RSA, PSS, EC), now=now)


@pytest.mark.parametrize("key", [RSA, PSS, EC], ids=["RS256", "PS256", "ES256"])
def test_a_valid_token_gives_its_user(key: SigningKey) -> None:
    """Each allowed algorithm verifies and yields the user, roles and selected role."""
    principal = check(key.sign(cis2_claims()))

    assert principal.user_id == "555000000001"
    assert principal.organisation == "E81001"
    assert principal.selected_role.role_code == "S8000:G8000:R8000"
    assert principal.assurance_level == 3


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(unsigned(cis2_claims()), id="alg-none"),
        pytest.param(hmac_with_secret(cis2_claims(), RSA.public_pem), id="HS256-with-public-key"),
        pytest.param(hmac_with_secret(cis2_claims(), b"shared-secret"), id="HS256"),
        pytest.param(rsa_key("rsa-1", "RS384").sign(cis2_claims()), id="RS384-not-listed"),
    ],
)
def test_algorithms_outside_the_allowlist_are_refused_before_any_key_is_used(token: str) -> None:
    """none, every HMAC and unlisted algorithms fail on the header; no key is even looked up."""
    keys = Keys(RSA)

    with pytest.raises(AlgorithmNotAllowedError, match=r"^alg: not one of"):
        check(token, keys=keys)
    assert keys.asked == []


def test_a_narrowed_policy_refuses_the_algorithms_it_left_out() -> None:
    """With only RS256 configured, an ES256 token is refused."""
    policy = TokenPolicy(issuer=ISSUER, audience=AUDIENCE, algorithms=frozenset({"RS256"}))

    with pytest.raises(AlgorithmNotAllowedError):
        check(EC.sign(cis2_claims()), policy=policy)


def test_an_algorithm_that_does_not_suit_the_key_is_refused() -> None:
    """A header claiming ES256 for the issuer's RSA kid is refused (no algorithm confusion)."""
    forged = EC.sign(cis2_claims(), kid="rsa-1")

    with pytest.raises(AlgorithmNotAllowedError, match="does not match the issuer's key"):
        check(forged)


@pytest.mark.parametrize("bad", ["", "abc", "a.b", "a.b.c.d", "!!!.e30.sig"])
def test_a_token_that_is_not_a_compact_jws_is_malformed(bad: str) -> None:
    """Anything but three base64url parts with a JSON header is refused as malformed."""
    with pytest.raises(MalformedTokenError):
        check(bad)


def test_a_token_without_kid_is_refused() -> None:
    """Without a kid there is no way to pick the issuer's key."""
    token = RSA.sign(cis2_claims(), kid=None)

    with pytest.raises(UnknownKeyError, match="no key id"):
        check(token)


def test_a_kid_the_issuer_does_not_publish_is_refused() -> None:
    """A token signed by a key of its own, under its own kid, finds no issuer key."""
    with pytest.raises(UnknownKeyError):
        check(rsa_key("attacker").sign(cis2_claims()))


def test_a_token_signed_by_another_key_under_the_issuers_kid_fails_the_signature() -> None:
    """Reusing the issuer's kid does not help a key the issuer never published."""
    with pytest.raises(SignatureError, match=r"^signature:"):
        check(OTHER.sign(cis2_claims()))


def test_a_tampered_payload_fails_the_signature() -> None:
    """Changing a claim after signing (here: the selected role's organisation) is detected."""
    token = RSA.sign(cis2_claims())
    tampered = with_payload(token, cis2_claims(uid="555000000999"))

    with pytest.raises(SignatureError):
        check(tampered)


@pytest.mark.parametrize(
    ("exp_offset", "expected"),
    [(300, None), (0, None), (-29, None), (-31, ExpiredTokenError), (-3600, ExpiredTokenError)],
)
def test_expiry_allows_the_clock_skew_and_no_more(
    exp_offset: int, expected: type[Exception] | None
) -> None:
    """exp up to 30 s in the past is accepted (default skew); beyond that it is expired."""
    token = RSA.sign(cis2_claims(exp=int(NOW) + exp_offset, iat=int(NOW) - 600))

    if expected is None:
        assert check(token).user_id == "555000000001"
    else:
        with pytest.raises(expected, match=r"^exp:"):
            check(token)


@pytest.mark.parametrize(
    ("claim", "offset", "expected"),
    [
        ("nbf", 29, None),
        ("nbf", 31, NotYetValidError),
        ("nbf", 3600, NotYetValidError),
        ("iat", 29, None),
        ("iat", 31, NotYetValidError),
    ],
)
def test_not_before_and_issued_at_allow_the_skew_and_no_more(
    claim: str, offset: int, expected: type[Exception] | None
) -> None:
    """A token from up to 30 s in the future is accepted; later ones are not valid yet."""
    token = RSA.sign(cis2_claims(**{claim: int(NOW) + offset}))

    if expected is None:
        assert check(token).user_id == "555000000001"
    else:
        with pytest.raises(expected):
            check(token)


def test_a_smaller_configured_skew_is_honoured() -> None:
    """With zero skew, one second past exp is expired."""
    policy = TokenPolicy(issuer=ISSUER, audience=AUDIENCE, clock_skew_s=0)

    with pytest.raises(ExpiredTokenError):
        check(RSA.sign(cis2_claims(exp=int(NOW) - 1)), policy=policy)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"exp": None}, MissingClaimError),
        ({"exp": "tomorrow"}, ClaimShapeError),
        ({"nbf": True}, ClaimShapeError),
    ],
)
def test_time_claims_must_be_present_and_numeric(
    overrides: dict[str, Any], error: type[Exception]
) -> None:
    """exp is required; exp, nbf and iat must be NumericDates."""
    with pytest.raises(error):
        check(RSA.sign(cis2_claims(**overrides)))


@pytest.mark.parametrize(
    "iss",
    [None, "https://evil.example/realms/mcr", ISSUER + "/", ISSUER.upper()],
)
def test_the_issuer_must_be_exactly_the_configured_one(iss: object) -> None:
    """iss is compared exactly: missing, other, trailing slash or different case are refused."""
    with pytest.raises(IssuerError, match=r"^iss: not the configured issuer$"):
        check(RSA.sign(cis2_claims(iss=iss)))


@pytest.mark.parametrize(
    ("aud", "accepted"),
    [
        (AUDIENCE, True),
        (["mcr-viewer", AUDIENCE], True),
        ("mcr-viewer", False),
        ([], False),
        (None, False),
        ("mcr-api-other", False),
        ({"aud": AUDIENCE}, False),
    ],
)
def test_the_audience_must_include_the_api(aud: object, accepted: bool) -> None:
    """aud may be a string or a list; it must contain mcr-api exactly."""
    token = RSA.sign(cis2_claims(aud=aud))

    if accepted:
        assert check(token).user_id == "555000000001"
    else:
        with pytest.raises(AudienceError, match=r"^aud:"):
            check(token)


def test_refusals_never_echo_the_token_or_claim_values() -> None:
    """Error messages name the rule; no part of the token or its claim values appears."""
    secret_uid = "555000000777"
    cases = [
        RSA.sign(cis2_claims(uid=secret_uid, iss="https://evil.example")),
        RSA.sign(cis2_claims(uid=secret_uid, aud="someone-else")),
        RSA.sign(cis2_claims(uid=secret_uid, exp=int(NOW) - 999)),
        RSA.sign(cis2_claims(uid=secret_uid, selected_roleid="555000001999")),
        OTHER.sign(cis2_claims(uid=secret_uid)),
    ]
    for token in cases:
        with pytest.raises(TokenRejectedError) as caught:
            check(token)
        message = str(caught.value)
        assert secret_uid not in message
        assert "evil" not in message and "someone-else" not in message and "1999" not in message
        assert not any(part in message for part in token.split("."))


def test_policy_refuses_symmetric_or_unknown_algorithms() -> None:
    """A policy cannot be configured to accept HS256 or none."""
    for algorithms in ({"HS256"}, {"none"}, set()):
        with pytest.raises(ValueError, match="algorithms"):
            TokenPolicy(issuer=ISSUER, audience=AUDIENCE, algorithms=frozenset(algorithms))
