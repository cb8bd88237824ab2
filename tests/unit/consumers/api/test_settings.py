"""Service settings: loopback defaults, environment overrides, masked secrets."""

from __future__ import annotations

import pytest

from consumers.api.settings import ApiSettings


def test_defaults_are_loopback() -> None:
    """Without variables the service binds 127.0.0.1:8480 and reads alias 'record'."""
    settings = ApiSettings.from_env({})

    assert (settings.host, settings.port, settings.alias) == ("127.0.0.1", 8480, "record")
    assert (settings.consent_schema, settings.audit_schema) == ("consent", "audit")
    assert settings.viewer_url == "http://127.0.0.1:8480/"


def test_environment_overrides() -> None:
    """MCR_API_*, MCR_RECORD_ALIAS, MCR_CONSENT_SCHEMA and MCR_POSTGRES_DSN are read."""
    settings = ApiSettings.from_env(
        {
            "MCR_API_PORT": "9001",
            "MCR_API_HOST": "127.0.0.2",
            "MCR_RECORD_ALIAS": "t-rec",
            "MCR_CONSENT_SCHEMA": "c1",
            "MCR_API_AUDIT_SCHEMA": "a1",
            "MCR_API_DSN": "postgresql://u@h:1/db",
            "MCR_API_OPENSEARCH_URL": "http://h:2",
        }
    )

    assert (settings.port, settings.host, settings.alias) == (9001, "127.0.0.2", "t-rec")
    assert (settings.consent_schema, settings.audit_schema) == ("c1", "a1")
    assert (
        settings.postgres_dsn.get_secret_value(),
        settings.opensearch_url.get_secret_value(),
    ) == (
        "postgresql://u@h:1/db",
        "http://h:2",
    )


def test_repr_masks_passwords() -> None:
    """Passwords in the DSN and the OpenSearch URL never appear in repr."""
    settings = ApiSettings(
        postgres_dsn="postgresql://u:pg-secret@h:5432/db",
        opensearch_url="http://a:os-secret@h:9200",
    )

    shown = repr(settings)

    assert "pg-secret" not in shown and "os-secret" not in shown and "***" in shown


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MCR_API_PORT": "http"}, "MCR_API_PORT: not a TCP port"),
        ({"MCR_API_PORT": "70000"}, "MCR_API_PORT: not a TCP port"),
        ({"MCR_API_PORT": "\u00b2"}, "MCR_API_PORT: not a TCP port"),
        ({"MCR_API_PORT": "8\u0664\u0668\u0660"}, "MCR_API_PORT: not a TCP port"),
        ({"MCR_API_AUDIT_SCHEMA": "Audit; drop"}, "MCR_API_AUDIT_SCHEMA: expected"),
        ({"MCR_CONSENT_SCHEMA": "1x"}, "MCR_CONSENT_SCHEMA: expected"),
        ({"MCR_CONSENT_SCHEMA": "consent\n"}, "MCR_CONSENT_SCHEMA: expected"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    """A bad port or schema name fails at start, naming the variable."""
    with pytest.raises(ValueError, match=message):
        ApiSettings.from_env(env)
