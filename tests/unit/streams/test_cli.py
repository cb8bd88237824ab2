"""``mcr streams worker`` is the streams worker's entry; ``mcr identity worker`` its alias."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mcr.cli import app
from streams import cli as streams_cli
from streams.identity import cli as identity_cli


def test_streams_worker_is_a_command_of_mcr() -> None:
    """`mcr streams --help` lists the worker command."""
    result = CliRunner().invoke(app, ["streams", "--help"])
    assert result.exit_code == 0
    assert "worker" in result.output


def test_identity_worker_is_the_same_command() -> None:
    """The alias runs the very same function as `mcr streams worker`."""
    [alias] = [c for c in identity_cli.app.registered_commands if c.name == "worker"]
    assert alias.callback is streams_cli.worker


def test_worker_refuses_bad_settings_before_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken variable stops `mcr streams worker` with exit 2, naming it, not echoing it."""
    monkeypatch.setenv("MCR_IDENTITY_BATCH", "lots")
    result = CliRunner().invoke(app, ["streams", "worker"])
    assert result.exit_code == 2
    assert "MCR_IDENTITY_BATCH: expected a whole number" in result.output
    assert "lots" not in result.output
