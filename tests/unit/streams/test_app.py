"""The streams app is built from the settings the entry point passes, never at import."""

from __future__ import annotations

import ssl
from pathlib import Path

import faust
import pytest

from deploy.local.tls import ensure_broker_tls
from streams import app as streams_app
from streams.settings import StreamsSettings, WorkerSettings


@pytest.fixture(autouse=True)
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts before configure() (and the process's app is restored after)."""
    monkeypatch.setattr(streams_app._Configured, "app", None)
    monkeypatch.setattr(streams_app._Configured, "settings", None)


def _settings(app_id: str, **secured: str) -> WorkerSettings:
    environ = {"MCR_STREAMS_APP_ID": app_id, "MCR_KAFKA_BOOTSTRAP": "k:19092",
               "MCR_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT", **secured}  # fmt: skip
    return WorkerSettings.from_env(environ)


def test_a_secured_app_authenticates_as_the_streams_principal(tmp_path: Path) -> None:
    """SASL_SSL settings give faust SCRAM-SHA-512 credentials of mcr-streams (its password
    from the secrets folder) and a TLS context that checks the broker's certificate."""
    ca_file, _ = ensure_broker_tls(tmp_path, host="127.0.0.1")
    (tmp_path / "mcr-streams.password").write_text("streams-secret")
    settings = _settings("t-secured", MCR_KAFKA_SECURITY_PROTOCOL="SASL_SSL",
                         MCR_KAFKA_CA_FILE=str(ca_file), MCR_KAFKA_SECRETS_DIR=str(tmp_path))  # fmt: skip
    credentials = streams_app.configure(settings).conf.broker_credentials
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password) == ("mcr-streams", "streams-secret")
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.ssl_context.verify_mode is ssl.CERT_REQUIRED
    assert credentials.ssl_context.check_hostname


def test_agents_cannot_load_before_configure() -> None:
    """Before the entry point configures it, there is no app and no settings to read."""
    with pytest.raises(streams_app.NotConfiguredError, match="configure"):
        streams_app.current()
    with pytest.raises(streams_app.NotConfiguredError, match="configure"):
        streams_app.settings()


def test_configure_builds_the_app_from_the_settings() -> None:
    """The faust app takes its id and broker from the settings; its stages' settings follow."""
    settings = _settings("t-streams")
    app = streams_app.configure(settings)
    assert streams_app.current() is app and streams_app.settings() is settings
    assert (app.conf.id, str(app.conf.broker[0])) == ("t-streams", "kafka://k:19092")
    assert streams_app.configure(_settings("t-streams")) is app


def test_configure_refuses_other_settings_once_built() -> None:
    """One process, one app: configuring it again differently is an error, not a silent swap."""
    streams_app.configure(_settings("t-one"))
    with pytest.raises(streams_app.NotConfiguredError, match="other settings"):
        streams_app.configure(_settings("t-two"))


def test_streams_settings_defaults_are_the_documented_ones() -> None:
    """Without variables: app id mcr-streams on the loopback broker, over SASL_SSL."""
    settings = StreamsSettings.from_env({})
    assert (settings.app_id, settings.kafka.bootstrap, settings.kafka.security_protocol) == (
        "mcr-streams",
        "127.0.0.1:9092",
        "SASL_SSL",
    )


def test_the_producer_lingers_to_batch_sends() -> None:
    """Fewer, larger produce requests: 10 ms by default, MCR_STREAMS_LINGER_MS to change."""
    conf = streams_app.configure(_settings("t-linger")).conf
    assert conf.producer_linger == 0.01
    assert conf.producer_max_batch_size == streams_app.PRODUCER_BATCH_BYTES


def test_the_linger_is_a_setting() -> None:
    settings = WorkerSettings.from_env(
        {"MCR_STREAMS_APP_ID": "t-l2", "MCR_KAFKA_BOOTSTRAP": "k:19092",
         "MCR_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT", "MCR_STREAMS_LINGER_MS": "0"}
    )  # fmt: skip
    assert streams_app.configure(settings).conf.producer_linger == 0


def test_the_producer_compresses_with_lz4_unless_told_otherwise() -> None:
    assert streams_app.configure(_settings("t-lz4")).conf.producer_compression_type == "lz4"


@pytest.mark.parametrize(("given", "codec"), [("none", None), ("zstd", "zstd")])
def test_the_codec_is_a_setting(given: str, codec: str | None) -> None:
    settings = WorkerSettings.from_env(
        {"MCR_STREAMS_APP_ID": f"t-{given}", "MCR_KAFKA_BOOTSTRAP": "k:19092",
         "MCR_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT", "MCR_STREAMS_COMPRESS": given}
    )  # fmt: skip
    assert streams_app.configure(settings).conf.producer_compression_type == codec


def test_an_unknown_codec_is_refused() -> None:
    with pytest.raises(ValueError, match="MCR_STREAMS_COMPRESS"):
        WorkerSettings.from_env(
            {"MCR_STREAMS_APP_ID": "t-bad", "MCR_KAFKA_BOOTSTRAP": "k:19092",
             "MCR_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT", "MCR_STREAMS_COMPRESS": "brotli"}
        )  # fmt: skip
