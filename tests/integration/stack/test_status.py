"""``mcr stack status`` asks the services themselves and reports what is wrong."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from deploy.local import StackSettings
from mcr.cli import app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_status_reports_stopped_services_as_down(tmp_path: Path) -> None:
    """With nothing listening on the configured ports, every service is 'down' with its log path."""
    env = {
        "MCR_RUN_DIR": str(tmp_path / "run"),
        "MCR_KAFKA_PORT": str(_free_port()),
        "MCR_OPENSEARCH_PORT": str(_free_port()),
        "MCR_POSTGRES_PORT": str(_free_port()),
        "MCR_KEYCLOAK_PORT": str(_free_port()),
    }

    result = CliRunner().invoke(app, ["stack", "status"], env=env, terminal_width=200)

    assert result.exit_code == 1
    for service in ("kafka", "opensearch", "postgres", "keycloak"):
        line = next(line for line in result.output.splitlines() if f" {service} " in line)
        assert " down " in line, result.output
    flat = "".join(result.output.split()).replace("│", "")
    assert "kafka/kafka.log" in flat, result.output


def test_status_reports_the_running_stack_as_up(stack: StackSettings) -> None:
    """The stack started for the test run is reported up, service by service."""
    result = CliRunner().invoke(app, ["stack", "status"], terminal_width=200)

    assert result.exit_code == 0, result.output
    for service in ("kafka", "opensearch", "postgres", "keycloak"):
        line = next(line for line in result.output.splitlines() if f" {service} " in line)
        assert " up " in line
