"""Two, then three streams workers in one group, one of them stopped mid-stream: partitions
rebalance between the processes and the record they leave is exactly what the log says."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

from consumers.ops.bench.events import region_events
from consumers.ops.bench.probe import OffsetProbe
from consumers.ops.bench.space import BenchSpace
from consumers.ops.bench.throughput import wait_caught_up
from deploy.local import StackSettings
from tests.integration.ops.region_run import assert_record_equals_log, publish, region_space
from tests.integration.ops.test_kill_and_verify import (  # the same workers
    SHORT_SESSIONS,
    _committed_some,
    _Process,
)

EVENTS = 3_000
SEED = 21


@pytest.fixture
def space(stack: StackSettings) -> Iterator[BenchSpace]:
    with region_space(stack, events=EVENTS, seed=SEED, partitions=4) as made:
        yield made


def _members(admin: AdminClient, group: str) -> int:
    try:
        return len(admin.describe_consumer_groups([group])[group].result(timeout=10).members)
    except Exception:  # not formed yet
        return 0


def _wait_members(admin: AdminClient, group: str, count: int, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while _members(admin, group) != count:
        assert time.monotonic() < deadline, f"group {group} never had {count} members"
        time.sleep(0.5)


def test_two_then_three_streams_workers_rebalance_without_loss(
    stack: StackSettings, space: BenchSpace, tmp_path: Path
) -> None:
    base = {**os.environ, **SHORT_SESSIONS}
    env = space.identity_env(base)
    admin = AdminClient(space.targets.kafka.config())
    first = _Process(["streams", "worker"], env, tmp_path / "streams-1")
    second = _Process(["streams", "worker"], env, tmp_path / "streams-2")
    record = _Process(["record", "run"], space.record_env(base), tmp_path / "record")
    workers = [first, second, record]
    events = list(region_events(EVENTS, seed=SEED).events)
    third_part = len(events) // 3
    probe = OffsetProbe(space, admin)
    try:
        _wait_members(admin, space.identity_group, 2)
        publish(space, events[:third_part])  # two workers share the partitions
        _committed_some(probe, "identity")
        third = _Process(["streams", "worker"], env, tmp_path / "streams-3")
        workers.append(third)
        publish(space, events[third_part : 2 * third_part])  # while the third one joins
        _wait_members(admin, space.identity_group, 3)
        publish(space, events[2 * third_part :])
        first.stop()  # a clean leave with a backlog: its partitions move to the other two
        _wait_members(admin, space.identity_group, 2)
        wait_caught_up(space, probe, since=time.monotonic(), produced=len(events), timeout_s=240)
    except BaseException:
        for n, worker in enumerate(workers):
            sys.stderr.write(f"--- worker {n} ---\n{worker.tail()}\n")
        raise
    finally:
        for worker in workers:
            worker.stop()
    assert_record_equals_log(stack, space, sent=EVENTS)
