"""``mcr replay --follow`` on real Kafka: a bar on stderr until the group has re-consumed to
the ends seen at reset; stdout keeps only the JSON."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from typer.testing import CliRunner

from consumers.ops.cli import app
from deploy.local import StackSettings


@pytest.fixture
def log_topic(stack: StackSettings, topic_factory: Callable[..., str]) -> str:
    """A 2-partition topic with 10 messages on each partition."""
    topic = topic_factory("follow", partitions=2)
    producer = Producer(stack.kafka_admin.config())
    for partition in (0, 1):
        for _ in range(10):
            producer.produce(topic, value=b"x", partition=partition)
    assert producer.flush(30) == 0
    return topic


def _commit(stack: StackSettings, group: str, topic: str, offsets: list[int]) -> None:
    consumer = Consumer(stack.kafka_admin.config(**{"group.id": group}))
    consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in enumerate(offsets)],
                    asynchronous=False)  # fmt: skip
    consumer.close()


def _replay(stack: StackSettings, group: str, *extra: str) -> tuple[int, str, str]:
    args = ["replay", "--group", group, "--to-earliest", "--follow", "--json", *extra]
    result = CliRunner().invoke(app, args, env=stack.kafka_admin.environment())
    return result.exit_code, result.stdout, result.stderr


def test_follow_waits_until_the_group_has_re_consumed(stack: StackSettings, log_topic: str) -> None:
    """Offsets go back to 0; the command returns (exit 0, caught_up) only once the group's
    commits are back at the ends, which a stand-in worker reaches in two steps."""
    group = f"t-follow-{uuid.uuid4().hex[:8]}"
    _commit(stack, group, log_topic, [10, 10])

    def worker() -> None:  # what the group's workers do once the operator starts them
        time.sleep(2)
        _commit(stack, group, log_topic, [5, 3])
        time.sleep(2)
        _commit(stack, group, log_topic, [10, 10])

    started = time.monotonic()
    thread = threading.Thread(target=worker)
    thread.start()
    code, stdout, stderr = _replay(stack, group, "--follow-timeout", "60")
    thread.join()
    assert code == 0, stderr
    assert time.monotonic() - started >= 4  # it waited for the second commit
    assert "re-consuming" not in stdout  # the bar is on stderr (unconfigured logs: stdout)
    answer = json.loads(stdout.strip().splitlines()[-1])
    assert answer["caught_up"] is True
    assert [c["target"] for c in answer["changes"]] == [0, 0]
    assert f"re-consuming {group}" in stderr


def test_follow_gives_up_after_its_timeout(stack: StackSettings, log_topic: str) -> None:
    """With no worker running nothing moves: exit 1 after --follow-timeout, caught_up false."""
    group = f"t-follow-{uuid.uuid4().hex[:8]}"
    _commit(stack, group, log_topic, [10, 10])
    code, stdout, stderr = _replay(stack, group, "--follow-timeout", "2")
    assert code == 1
    assert json.loads(stdout.strip().splitlines()[-1])["caught_up"] is False
    assert "not re-consumed after 2 s" in stderr


def test_follow_refuses_a_dry_run(stack: StackSettings, log_topic: str) -> None:
    """A dry run moves nothing, so there is nothing to follow."""
    result = CliRunner().invoke(app, ["replay", "--group", "g", "--to-earliest", "--dry-run",
                                      "--follow"], env=stack.kafka_admin.environment())  # fmt: skip
    assert result.exit_code == 2 and "nothing to follow" in result.output
