"""``mcr org add`` provisions an organisation's Kafka user, topic and ACLs on the real secured
broker and prints its producer configuration (no secret in it); the organisation can then
publish to its own topic; ``rotate-credentials`` locks the old password out."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient
from typer.testing import CliRunner

from deploy.local import StackSettings
from mcr.cli import app
from mcr.core import org_registry
from mcr.core.kafka_client import KafkaClientSettings
from schemas.events import organisation_topic
from schemas.organisations import load_organisations

CODE = "Y7A1B2"
USER = f"org-{CODE}"


def _as_organisation(stack: StackSettings, password_file: Path) -> Producer:
    settings = KafkaClientSettings(bootstrap=stack.kafka_bootstrap, security_protocol="SASL_SSL",
                                   ca_file=stack.kafka_ca_file, username=USER,
                                   password_file=password_file)  # fmt: skip
    return Producer(settings.config(acks="all"))


def _delivered(producer: Producer, topic: str) -> bool:
    outcome: list[object] = []
    producer.produce(topic, b"x", b"k", on_delivery=lambda error, _m: outcome.append(error))
    producer.flush(20)
    return outcome == [None]


@pytest.fixture
def prefix(stack: StackSettings) -> object:
    """A throwaway topic space; the organisation's topic in it is deleted afterwards."""
    name = f"t.orgkafka.{uuid.uuid4().hex[:8]}."
    yield name
    admin = AdminClient(stack.kafka_admin.config())
    for future in admin.delete_topics([organisation_topic(CODE, prefix=name)]).values():
        future.result(timeout=30)


def test_add_provisions_and_rotate_locks_the_old_password_out(
    stack: StackSettings, operator_schema: str, prefix: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """add: registered, its producer configuration printed without the password, and it
    publishes to its own topic; rotate: the old password is refused, the new one works."""
    with org_registry.connect(stack.operator_dsn, operator_schema) as conn:
        org_registry.seed(conn, load_organisations())
    monkeypatch.setenv("MCR_REGISTRY_SCHEMA", operator_schema)
    monkeypatch.setenv("MCR_TOPIC_PREFIX", prefix)
    runner = CliRunner()
    added = runner.invoke(app, [
        "org", "add", CODE, "--name", "Test Hospice", "--kind", "community",
        "--contact", "sharing.hospice@example.org", "--credentials-dir", str(tmp_path),
    ])  # fmt: skip
    assert added.exit_code == 0, added.output
    password_file = tmp_path / f"{USER}.password"
    old = password_file.read_text().strip()
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    assert f'username="{USER}"' in added.output and "security.protocol=SASL_SSL" in added.output
    assert old not in added.output
    topic = organisation_topic(CODE, prefix=prefix)
    assert _delivered(_as_organisation(stack, password_file), topic)

    kept = tmp_path / "old.password"
    kept.write_text(old)
    kept.chmod(0o600)
    rotated = runner.invoke(app, ["org", "rotate-credentials", CODE,
                                  "--credentials-dir", str(tmp_path)])  # fmt: skip
    assert rotated.exit_code == 0, rotated.output
    new = password_file.read_text().strip()
    assert new != old and new not in rotated.output
    with pytest.raises(KafkaException):
        _as_organisation(stack, kept).list_topics(topic, timeout=10)
    assert _delivered(_as_organisation(stack, password_file), topic)

    unknown = runner.invoke(app, ["org", "rotate-credentials", "QQ9999",
                                  "--credentials-dir", str(tmp_path)])  # fmt: skip
    assert unknown.exit_code == 2 and "no organisation is registered" in unknown.output
