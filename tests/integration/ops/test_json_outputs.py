"""Every status-like command answers ``--json`` with one JSON object, on the real stack."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from confluent_kafka import Consumer, Producer, TopicPartition
from typer.testing import CliRunner

from deploy.local import StackSettings
from mcr.cli import app
from streams.identity.connections import connect
from tests.conftest import FIXTURES


def _json(args: list[str], env: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_stack_and_demo_status(stack: StackSettings) -> None:
    code, found = _json(["stack", "status", "--json"])
    assert code == 0 and found["healthy"] is True
    assert {s["name"] for s in found["services"]} >= {"kafka", "opensearch", "postgres"}  # type: ignore[union-attr]
    _, demo = _json(["demo", "status", "--json"])
    assert {"workers", "lags"} <= set(demo)
    workers = {w["name"] for w in demo["workers"]}  # type: ignore[attr-defined]
    assert {"streams-identity", "streams-linked"} <= workers and "streams" not in workers
    assert set(demo["lags"]) == {"identity", "consent", "record", "planning"}  # type: ignore[arg-type]


def test_identity_review_list_and_explain(stack: StackSettings, pg_schema: str) -> None:
    connect(stack.identity_dsn, pg_schema).close()  # the MPI tables, empty (as identity owns them)
    env = {"MCR_IDENTITY_SCHEMA": pg_schema}
    code, found = _json(["identity", "review", "list", "--json"], env)
    assert code == 0 and found == {"status": "pending", "count": 0, "reviews": []}
    code, found = _json(["identity", "explain", "E81001:nobody", "--json"], env)
    assert code == 1 and found == {"source_key": "E81001:nobody", "linked": False}


def test_replay_dry_run(stack: StackSettings, topic_factory: Callable[..., str]) -> None:
    topic = topic_factory("replay-json")
    producer = Producer(stack.kafka_admin.config())
    for n in range(4):
        producer.produce(topic, value=str(n).encode())
    assert producer.flush(30) == 0
    group = f"t-replay-json-{uuid.uuid4().hex[:8]}"
    consumer = Consumer(stack.kafka_admin.config(**{"group.id": group}))
    consumer.commit(offsets=[TopicPartition(topic, 0, 4)], asynchronous=False)
    consumer.close()
    code, found = _json(["replay", "--group", group, "--to-earliest", "--topic", topic,
                         "--dry-run", "--json"], stack.kafka_admin.environment())  # fmt: skip
    assert code == 0 and found["dry_run"] is True
    assert found["changes"] == [{"topic": topic, "partition": 0, "committed": 4, "target": 0,
                                 "replayed": 4}]  # fmt: skip


def test_produce_dry_run_summary() -> None:
    code, found = _json(["produce", "hl7v2", str(FIXTURES / "hl7v2"), "--org", "E81001",
                         "--dry-run", "--json"])  # fmt: skip
    assert found["dry_run"] is True and found["files_read"] > 0  # type: ignore[operator]
    assert found["sent_total"] == sum(found["sent"].values())  # type: ignore[union-attr]
    assert code == found["exit_code"]
