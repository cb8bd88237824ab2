"""``mcr produce`` sending to the real broker: what arrives, and the exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deploy.local import StackSettings
from producers.cli import app
from producers.sdk import sources
from schemas.codec import decode
from tests.integration.kafka_reading import message_count, read_topic
from tests.unit.producers.sdk import stub_adapters

runner = CliRunner()


@pytest.fixture(autouse=True)
def local_broker(stack: StackSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads its broker from MCR_KAFKA_BOOTSTRAP; point it at the test stack."""
    for name, value in stack.kafka_admin.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MCR_PRODUCER_LINGER_MS", "5")
    monkeypatch.setattr(sources, "events_from_fhir", stub_adapters.fhir_stub)


def test_produce_sends_valid_events_and_exits_zero(
    stack: StackSettings, topic_factory: Callable[..., str], tmp_path: Path
) -> None:
    """Every valid event of every file arrives on the topic, stamped with --org and --system."""
    (tmp_path / "a.json").write_text(json.dumps({"entry": [{}, {}, {}]}), encoding="utf-8")
    topic = topic_factory("cli")
    args = ["fhir", str(tmp_path), "--org", "RYY02", "--system", "ice", "--topic", topic]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    messages = read_topic(stack.kafka_admin, topic, count=3)
    headers = [decode(m.value()).payload["header"] for m in messages]
    assert [(h["org"], h["source_system"]) for h in headers] == [("RYY02", "ice")] * 3
    assert {m.key() for m in messages} == {b"RYY02:MRN0001"}


def test_rejected_events_are_not_sent_and_exit_two(
    stack: StackSettings, topic_factory: Callable[..., str], tmp_path: Path
) -> None:
    """Invalid events stay off the wire while the valid ones in the same file are sent."""
    entries = [{}, "bad", {"nhs_number": "9990000017"}, {}]
    (tmp_path / "a.json").write_text(json.dumps({"entry": entries}), encoding="utf-8")
    topic = topic_factory("cli")
    result = runner.invoke(app, ["fhir", str(tmp_path), "--org", "RYY02", "--topic", topic])
    assert result.exit_code == 2, result.output
    assert message_count(stack.kafka_admin, topic) == 2


def test_delivery_failures_exit_one(
    stack: StackSettings, topic_factory: Callable[..., str], tmp_path: Path
) -> None:
    """When the broker refuses every message, the failures are listed and the exit code is 1."""
    (tmp_path / "a.json").write_text(json.dumps({"entry": [{}]}), encoding="utf-8")
    topic = topic_factory("tiny", config={"max.message.bytes": "100"})
    result = runner.invoke(app, ["fhir", str(tmp_path), "--org", "RYY02", "--topic", topic])
    assert result.exit_code == 1, result.output
    assert "delivery failed: MSG_SIZE_TOO_LARGE" in result.output
    assert message_count(stack.kafka_admin, topic) == 0
