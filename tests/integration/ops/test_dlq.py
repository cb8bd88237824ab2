"""``mcr dlq`` on the real broker: list and show dead letters without their content, re-drive
chosen ones to the partition they failed on, exactly once, and record it."""

from __future__ import annotations

import json
from collections.abc import Callable

from confluent_kafka import Producer
from typer.testing import CliRunner

from consumers.ops.dlq_cli import dlq_app
from deploy.local import StackSettings
from mcr.core.topic_reader import read_topic
from schemas.dead_letters import DeadLetter, dead_letter_headers


def _dead_letters(stack: StackSettings, dlq: str, source: str) -> None:
    producer = Producer(stack.kafka_admin.config())
    for offset, reason in (
        (10, "DecodeError"),
        (11, "DocumentError:header.org"),
        (12, "DecodeError"),
    ):
        letter = DeadLetter(f"body-{offset}".encode(), b"RC9:L1", [("trace", b"x")], source, 1,
                            offset, reason)  # fmt: skip
        producer.produce(dlq, key=letter.key, value=letter.value,
                         headers=dead_letter_headers(letter, stage="identity"))  # fmt: skip
    assert producer.flush(10) == 0


def test_list_show_and_redrive_once(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """Three letters listed by reason; show gives sizes and header names, never the body;
    re-drive of one reason sends two letters back to partition 1 with their key and headers,
    a second re-drive sends nothing, and the list marks them re-driven."""
    dlq, source = topic_factory("dlq"), topic_factory("source", partitions=2)
    log = topic_factory("redriven")
    _dead_letters(stack, dlq, source)
    runner = CliRunner(env=stack.kafka_admin.environment())  # as the admin: test topic names
    common = ["--topic", dlq, "--log-topic", log]

    listed = json.loads(runner.invoke(dlq_app, ["list", *common, "--json"]).output)
    shown = runner.invoke(dlq_app, ["show", "0:1", *common])
    dry = json.loads(
        runner.invoke(
            dlq_app, ["redrive", "--reason", "DecodeError", "--dry-run", *common, "--json"]
        ).output
    )
    first = json.loads(
        runner.invoke(dlq_app, ["redrive", "--reason", "DecodeError", *common, "--json"]).output
    )
    second = json.loads(
        runner.invoke(dlq_app, ["redrive", "--reason", "Decode*", *common, "--json"]).output
    )
    after = json.loads(runner.invoke(dlq_app, ["list", *common, "--json"]).output)
    refused = runner.invoke(dlq_app, ["redrive", *common])

    assert listed["total"] == 3 and listed["by_reason"][0] == {
        "stage": "identity",
        "reason": "DecodeError",
        "count": 2,
        "redriven": 0,
    }
    assert shown.exit_code == 0 and "body-11" not in shown.output
    assert json.loads(shown.output)["value_bytes"] == 7 and json.loads(shown.output)["headers"] == [
        "trace"
    ]
    assert dry == {"dry_run": True, "would_send": ["0:0", "0:2"], "already": []}
    assert (
        first["sent"] == ["0:0", "0:2"]
        and second["sent"] == []
        and second["already"] == ["0:0", "0:2"]
    )
    back = list(read_topic(stack.kafka_admin, source))
    assert [(m.partition, m.key, m.value) for m in back] == [
        (1, b"RC9:L1", b"body-10"),
        (1, b"RC9:L1", b"body-12"),
    ]
    assert (
        back[0].header("mcr.redriven.from") == f"{dlq}:0:0"
        and back[0].header("mcr.dlq.reason") is None
    )
    assert [x["redriven"] for x in after["letters"]] == [True, False, True]
    assert refused.exit_code == 2
