"""Authentication settings: defaults, the https rule, algorithm and number bounds (pure)."""

from __future__ import annotations

import pytest

from consumers.api.auth.settings import AuthSettings


def test_defaults_point_at_the_local_realm() -> None:
    """With nothing set, tokens must come from the local Keycloak realm for mcr-api."""
    settings = AuthSettings.from_env({})

    assert settings.issuer == "http://127.0.0.1:8180/realms/mcr"
    assert (
        settings.discovery_url
        == "http://127.0.0.1:8180/realms/mcr/.well-known/openid-configuration"
    )
    assert (settings.audience, settings.clock_skew_s, settings.jwks_min_refresh_s) == (
        "mcr-api",
        30,
        30,
    )
    assert settings.policy.algorithms == {"RS256", "PS256", "ES256"}


def test_any_oidc_issuer_is_configuration_alone() -> None:
    """CIS2 (or another issuer) is chosen by issuer URL and audience; iss keeps its exact form."""
    settings = AuthSettings.from_env(
        {
            "MCR_AUTH_ISSUER": "https://am.nhsidentity.spineservices.nhs.uk:443/openam/oauth2/realms/root/realms/oidc",
            "MCR_AUTH_AUDIENCE": "my-cis2-client-id",
            "MCR_AUTH_ALGORITHMS": "RS256",
            "MCR_AUTH_CLOCK_SKEW": "10",
        }
    )

    assert settings.policy.issuer.endswith("/realms/oidc")
    assert settings.policy.audience == "my-cis2-client-id"
    assert settings.policy.algorithms == {"RS256"}
    assert settings.policy.clock_skew_s == 10


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MCR_AUTH_ISSUER": "http://idp.example/realms/mcr"},
            "MCR_AUTH_ISSUER: expected an https URL",
        ),
        (
            {"MCR_AUTH_ISSUER": "ftp://127.0.0.1/realms/mcr"},
            "MCR_AUTH_ISSUER: expected an https URL",
        ),
        ({"MCR_AUTH_ISSUER": "https://u:p@idp.example/"}, "MCR_AUTH_ISSUER: expected an https URL"),
        ({"MCR_AUTH_AUDIENCE": " "}, "MCR_AUTH_AUDIENCE"),
        ({"MCR_AUTH_ALGORITHMS": "RS256,HS256"}, "MCR_AUTH_ALGORITHMS"),
        ({"MCR_AUTH_ALGORITHMS": "none"}, "MCR_AUTH_ALGORITHMS"),
        ({"MCR_AUTH_ALGORITHMS": ""}, "MCR_AUTH_ALGORITHMS"),
        ({"MCR_AUTH_CLOCK_SKEW": "-1"}, "MCR_AUTH_CLOCK_SKEW"),
        ({"MCR_AUTH_CLOCK_SKEW": "3600"}, "MCR_AUTH_CLOCK_SKEW"),
        ({"MCR_AUTH_CLOCK_SKEW": "soon"}, "MCR_AUTH_CLOCK_SKEW"),
        ({"MCR_AUTH_JWKS_MIN_REFRESH": "nan"}, "MCR_AUTH_JWKS_MIN_REFRESH"),
    ],
)
def test_bad_values_fail_at_start_naming_the_variable(env: dict[str, str], message: str) -> None:
    """A value breaking a rule raises ValueError naming its variable."""
    with pytest.raises(ValueError, match=message):
        AuthSettings.from_env(env)
