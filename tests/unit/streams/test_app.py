"""The streams app is built from the settings the entry point passes, never at import."""

from __future__ import annotations

import pytest

from streams import app as streams_app
from streams.settings import StreamsSettings, WorkerSettings


@pytest.fixture(autouse=True)
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts before configure() (and the process's app is restored after)."""
    monkeypatch.setattr(streams_app._Configured, "app", None)
    monkeypatch.setattr(streams_app._Configured, "settings", None)


def _settings(app_id: str) -> WorkerSettings:
    return WorkerSettings.from_env({"MCR_STREAMS_APP_ID": app_id, "MCR_KAFKA_BOOTSTRAP": "k:19092"})


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
    """Without variables: app id mcr-streams on the loopback broker."""
    assert StreamsSettings.from_env({}) == StreamsSettings(
        app_id="mcr-streams", kafka_bootstrap="127.0.0.1:9092"
    )
