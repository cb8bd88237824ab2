"""The planning store worker's Kafka settings and metric labels (no broker needed)."""

from __future__ import annotations

from pathlib import Path

from mcr.core.kafka_acls import OPS, PLANNING
from projections.planning.batch import BatchResult
from projections.planning.runner import consumer_config, outcomes, producer_config
from projections.planning.settings import PlanningStoreSettings
from schemas.dead_letters import DeadLetter


def _settings(tmp_path: Path) -> PlanningStoreSettings:
    (tmp_path / "ca.pem").write_text("x")
    for user in (PLANNING, OPS):
        (tmp_path / f"{user}.password").write_text(f"pw-{user}")
    return PlanningStoreSettings.from_env({
        "MCR_KAFKA_BOOTSTRAP": "127.0.0.1:1", "MCR_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "MCR_KAFKA_CA_FILE": str(tmp_path / "ca.pem"), "MCR_KAFKA_SECRETS_DIR": str(tmp_path),
    })  # fmt: skip


def test_the_worker_connects_as_the_planning_principal(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    consumer, producer = consumer_config(settings), producer_config(settings)
    for config in (consumer, producer):
        assert config["security.protocol"] == "SASL_SSL"
        assert config["sasl.username"] == PLANNING
    assert consumer["group.id"] == "mcr-projection-planning"
    assert consumer["enable.auto.commit"] is False


def test_rebuild_connects_as_ops(tmp_path: Path) -> None:
    config = consumer_config(_settings(tmp_path), principal=OPS, **{"group.id": "mcr-rebuild-x"})
    assert config["sasl.username"] == OPS
    assert config["group.id"] == "mcr-rebuild-x"


def test_outcomes_label_every_message_once() -> None:
    letter = DeadLetter(b"v", b"k", [], "mcr.planning", 0, 1, "SchemaError")
    result = BatchResult(facts=4, opt_outs=1, dead_letters=[letter])
    labels = outcomes(result, handled=7)
    assert len(labels) == 7
    assert labels.count("stored") == 4 and labels.count("opted_out") == 1
    assert labels.count("dead_letter") == 1 and labels.count("command") == 1
