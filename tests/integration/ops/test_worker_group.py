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
from opensearchpy import OpenSearch

from consumers.ops.bench.events import organisations_of, region_events
from consumers.ops.bench.probe import OffsetProbe
from consumers.ops.bench.provision import provisioned
from consumers.ops.bench.space import BenchSpace, Targets, new_space
from consumers.ops.bench.throughput import wait_caught_up
from deploy.local import StackSettings
from producers.sdk import PublisherConfig
from producers.sdk.fleet import PublisherFleet
from projections.record.expected import VerifyReport
from projections.record.verify import verify_record
from schemas.events import SourceEvent
from tests.integration.ops.test_kill_and_verify import (  # the same workers
    FAUST_ENV,
    _committed_some,
    _Process,
    _record_settings,
)

EVENTS = 3_000
SEED = 21


@pytest.fixture
def space(stack: StackSettings) -> Iterator[BenchSpace]:
    """Fresh topics (4 partitions: room for three workers), schemas, groups and alias, and the
    region's organisations provisioned; removed after."""
    targets = Targets(stack.kafka_admin, stack.opensearch_url, stack.postgres_dsn)
    client = OpenSearch(hosts=[stack.opensearch_url], timeout=60)
    orgs = organisations_of(region_events(EVENTS, seed=SEED).events)
    with provisioned(new_space(targets, partitions=4, organisations=orgs), client) as made:
        yield made
    client.close()


def _members(admin: AdminClient, group: str) -> int:
    try:
        return len(admin.describe_consumer_groups([group])[group].result(timeout=10).members)
    except Exception:  # not formed yet
        return 0


def _wait_members(admin: AdminClient, group: str, count: int, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while _members(admin, group) != count:
        assert time.monotonic() < deadline, f"group {group} never had {count} members"
        time.sleep(0.5)


def _publish(space: BenchSpace, events: list[SourceEvent]) -> None:
    with PublisherFleet(space.publisher_config(PublisherConfig.from_env())) as producer:
        for event in events:  # each organisation as itself
            producer.publish(event)
        stats = producer.flush(timeout=120)
    assert (stats.delivered, stats.failed) == (len(events), 0)


def test_two_then_three_streams_workers_rebalance_without_loss(
    space: BenchSpace, tmp_path: Path
) -> None:
    base = {**os.environ, **FAUST_ENV}
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
        _publish(space, events[:third_part])  # two workers share the partitions
        _committed_some(probe, "identity")
        third = _Process(["streams", "worker"], env, tmp_path / "streams-3")
        workers.append(third)
        _publish(space, events[third_part : 2 * third_part])  # while the third one joins
        _wait_members(admin, space.identity_group, 3)
        _publish(space, events[2 * third_part :])
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
    client = OpenSearch(hosts=[space.targets.opensearch_url], timeout=60)
    try:
        report = verify_record(_record_settings(space), client)
    finally:
        client.close()
    assert isinstance(report, VerifyReport), f"projection still behind: {report}"
    counts = (report.count("missing"), report.count("leaked"), report.count("mismatched"))
    assert counts == (0, 0, 0), report.as_json()
    assert report.expected_visible > EVENTS / 2 and report.unreadable == 0
