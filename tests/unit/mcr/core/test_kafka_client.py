"""The one place Kafka client configuration is built: secrets from files, never shown."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from mcr.core.kafka_client import KafkaClientSettings, KafkaCredentialError
from mcr.core.kafka_principals import KafkaCredentials, producer_properties


def _secured(tmp_path: Path, secret: str = "pw-from-file") -> KafkaClientSettings:
    (tmp_path / "ca.pem").write_text("ca")
    (tmp_path / "mcr-ops.password").write_text(f"{secret}\n")
    return KafkaClientSettings.from_env({
        "MCR_KAFKA_BOOTSTRAP": "k1:9092,k2:9092", "MCR_KAFKA_CA_FILE": str(tmp_path / "ca.pem"),
        "MCR_KAFKA_SECRETS_DIR": str(tmp_path),
    })  # fmt: skip


def test_a_component_runs_as_itself_with_its_password_file(tmp_path: Path) -> None:
    """No user set: resolve() picks the component and its file in the secrets folder."""
    config = _secured(tmp_path).resolve("mcr-ops").config(**{"group.id": "g"})
    assert config == {
        "bootstrap.servers": "k1:9092,k2:9092", "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "mcr-ops",
        "sasl.password": "pw-from-file", "ssl.ca.location": str(tmp_path / "ca.pem"),
        "ssl.endpoint.identification.algorithm": "https", "group.id": "g",
    }  # fmt: skip


def test_an_explicit_user_wins_over_the_component(tmp_path: Path) -> None:
    """MCR_KAFKA_USERNAME set (a deployment, or an admin in tests): resolve() keeps it."""
    settings = _secured(tmp_path).as_principal("mcr-admin", tmp_path / "mcr-ops.password")
    assert settings.resolve("mcr-streams").username == "mcr-admin"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password_file": None}, "MCR_KAFKA_PASSWORD_FILE: not set"),
        ({"username": None}, "MCR_KAFKA_USERNAME: not set"),
        ({"ca_file": None}, "MCR_KAFKA_CA_FILE: not set"),
        ({"ca_file": Path("/nowhere/ca.pem")}, "MCR_KAFKA_CA_FILE: no such file"),
        ({"password_file": Path("/nowhere/pw")}, "MCR_KAFKA_PASSWORD_FILE: cannot be read"),
    ],
)
def test_missing_credentials_are_named_not_guessed(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    """A secured client without its CA, user or password fails naming the setting."""
    settings = _secured(tmp_path).resolve("mcr-ops").model_copy(update=change)
    with pytest.raises(KafkaCredentialError, match=message):
        settings.config()


def test_the_password_is_never_shown(tmp_path: Path) -> None:
    """repr and the child-process environment carry the file's path, never its content."""
    settings = _secured(tmp_path, secret="hunter2-secret").resolve("mcr-ops")
    assert "hunter2-secret" not in repr(settings)
    assert "hunter2-secret" not in str(settings.environment())
    assert "MCR_KAFKA_USERNAME" not in settings.environment(with_user=False)


def test_plaintext_needs_no_credentials() -> None:
    """Only the benchmark's comparison listener is PLAINTEXT: no SASL keys at all."""
    config = KafkaClientSettings(bootstrap="h:9", security_protocol="PLAINTEXT").config()
    assert config == {"bootstrap.servers": "h:9"}


def test_producer_properties_reference_a_private_password_file(tmp_path: Path) -> None:
    """An organisation's properties name its password file (0600) and never hold the password."""
    credentials = KafkaCredentials("org-RC9", SecretStr("fresh-random-secret"))
    text = producer_properties(credentials, bootstrap="kafka:9092", ca_file=tmp_path / "ca.pem")
    secret_file = tmp_path / "org-RC9.password"
    assert "fresh-random-secret" not in text
    assert secret_file.read_text() == "fresh-random-secret"
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    assert f'password="${{dir:{tmp_path}:org-RC9.password}}"' in text
    assert "security.protocol=SASL_SSL" in text and "sasl.mechanism=SCRAM-SHA-512" in text
    assert "KafkaCredentials" in repr(credentials) and "fresh" not in repr(credentials)
