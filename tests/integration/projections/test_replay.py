"""``mcr replay`` against real Kafka: dry run, moving offsets, refusal on an active group."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from typer.testing import CliRunner

from consumers.ops.cli import app
from deploy.local import StackSettings

BASE_MS = 1_709_285_400_000  # 2024-03-01T09:30:00Z


@pytest.fixture
def log_topic(stack: StackSettings, topic_factory: Callable[..., str]) -> str:
    """A 2-partition topic with 10 messages per partition, one second apart from BASE_MS."""
    topic = topic_factory("replay", partitions=2)
    producer = Producer(stack.kafka_admin.config())
    for partition in (0, 1):
        for i in range(10):
            producer.produce(topic, value=b"x", partition=partition, timestamp=BASE_MS + i * 1000)
    assert producer.flush(30) == 0
    return topic


def _commit(stack: StackSettings, group: str, topic: str, offsets: list[int]) -> None:
    consumer = Consumer(stack.kafka_admin.config(**{"group.id": group}))
    consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in enumerate(offsets)],
                    asynchronous=False)  # fmt: skip
    consumer.close()


def _committed(stack: StackSettings, group: str, topic: str) -> list[int]:
    consumer = Consumer(stack.kafka_admin.config(**{"group.id": group}))
    found = consumer.committed([TopicPartition(topic, p) for p in (0, 1)], timeout=10)
    consumer.close()
    return [tp.offset for tp in found]


def _run(stack: StackSettings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["replay", *args], env={**stack.kafka_admin.environment(), "COLUMNS": "200"}
    )
    return result.exit_code, result.output


def test_dry_run_shows_what_would_change_and_changes_nothing(
    stack: StackSettings, log_topic: str
) -> None:
    """--dry-run prints every partition's committed and target offsets; commits stay put."""
    group = f"t-replay-{uuid.uuid4().hex[:8]}"
    _commit(stack, group, log_topic, [10, 8])
    code, output = _run(stack, "--group", group, "--to-earliest", "--dry-run")
    assert code == 0, output
    assert "Would move offsets of group" in output
    rows = [line.split("│")[1:-1] for line in output.splitlines() if log_topic in line]
    assert [[cell.strip() for cell in row] for row in rows] == [
        [log_topic, "0", "10", "0", "10"],
        [log_topic, "1", "8", "0", "8"],
    ]
    assert _committed(stack, group, log_topic) == [10, 8]


def test_replay_to_a_timestamp_moves_the_committed_offsets(
    stack: StackSettings, log_topic: str
) -> None:
    """The group restarts at the first message at or after the time, per partition."""
    group = f"t-replay-{uuid.uuid4().hex[:8]}"
    _commit(stack, group, log_topic, [10, 10])
    code, output = _run(stack, "--group", group, "--to-timestamp", "2024-03-01T09:30:04Z")
    assert code == 0, output
    assert _committed(stack, group, log_topic) == [4, 4]
    code, output = _run(stack, "--group", group, "--to-timestamp", "2030-01-01T00:00:00Z")
    assert (code, _committed(stack, group, log_topic)) == (0, [10, 10])


@pytest.fixture
def active_group(stack: StackSettings, log_topic: str) -> Iterator[str]:
    """A group with one running member (subscribed and polling) on the log topic."""
    group = f"t-replay-{uuid.uuid4().hex[:8]}"
    stop, assigned = threading.Event(), threading.Event()

    def member() -> None:
        consumer = Consumer(stack.kafka_admin.config(**{"group.id": group,
                             "enable.auto.commit": False, "auto.offset.reset": "latest"}))  # fmt: skip
        consumer.subscribe([log_topic], on_assign=lambda _c, _p: assigned.set())
        while not stop.is_set():
            consumer.poll(0.1)
        consumer.close()

    thread = threading.Thread(target=member, daemon=True)
    thread.start()
    assert assigned.wait(30), "member never joined"
    yield group
    stop.set()
    thread.join(30)


def test_replay_refuses_while_the_group_has_active_members(
    stack: StackSettings, log_topic: str, active_group: str
) -> None:
    """A real run is refused (exit 1); a dry run still shows the plan and warns."""
    code, output = _run(stack, "--group", active_group, "--to-earliest", "--topic", log_topic)
    assert code == 1
    assert "refused" in output and "1 active members" in output
    code, output = _run(
        stack, "--group", active_group, "--to-earliest", "--topic", log_topic, "--dry-run"
    )
    assert code == 0, output
    assert "a real run is refused" in output
