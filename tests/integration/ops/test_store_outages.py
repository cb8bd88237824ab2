"""The pipeline's stores go away and come back while events flow: OpenSearch stopped for 30 s,
the Kafka broker restarted, PostgreSQL restarted. The workers stall, then catch up, and the
record they leave is exactly what the log says: nothing lost, nothing duplicated or leaked.

The stores are the shared test stack's own: each is restarted with the stack's own start
(``prepare`` + ``launch`` + ``wait_healthy``), so the suite goes on against the same stack.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

from consumers.ops.bench.events import region_events
from consumers.ops.bench.probe import OffsetProbe
from consumers.ops.bench.space import BenchSpace
from consumers.ops.bench.throughput import wait_caught_up
from deploy.local import StackSettings
from deploy.local.kafka import Kafka
from deploy.local.opensearch import OpenSearch as OpenSearchService
from deploy.local.postgres import Postgres
from deploy.local.service import Service
from tests.integration.ops.region_run import assert_record_equals_log, publish, region_space
from tests.integration.ops.test_kill_and_verify import SHORT_SESSIONS, _Process

EVENTS = 1_800
SEED = 33
OUTAGE_S = 30.0


@pytest.fixture
def space(stack: StackSettings) -> Iterator[BenchSpace]:
    with region_space(stack, events=EVENTS, seed=SEED, partitions=2) as made:
        yield made


def _stop(service: Service) -> None:
    service.stop()
    deadline = time.monotonic() + 60
    while service.pid() is not None:
        assert time.monotonic() < deadline, f"{service.name} did not stop"
        time.sleep(0.2)


def _start(service: Service) -> None:
    """Start ``service`` as the stack does."""
    service.prepare()
    service.launch()
    assert service.wait_healthy(180).healthy, f"{service.name} did not come back"


@contextmanager
def _down(service: Service, *, for_s: float = 0.0) -> Iterator[None]:
    """``service`` stopped for the block (and at least ``for_s`` seconds), then started."""
    _stop(service)
    stopped = time.monotonic()
    try:
        yield
        time.sleep(max(0.0, for_s - (time.monotonic() - stopped)))
    finally:
        _start(service)


def test_stores_go_away_and_come_back_without_loss(
    stack: StackSettings, space: BenchSpace, tmp_path: Path
) -> None:
    base = {**os.environ, **SHORT_SESSIONS}
    streams = _Process(["streams", "worker"], space.identity_env(base), tmp_path / "streams")
    record = _Process(["record", "run"], space.record_env(base), tmp_path / "record")
    events = list(region_events(EVENTS, seed=SEED).events)
    part = len(events) // 3
    probe = OffsetProbe(space, AdminClient(space.targets.kafka.config()))
    try:
        publish(space, events[:part])
        with _down(OpenSearchService(stack), for_s=OUTAGE_S):
            publish(space, events[part : 2 * part])  # identity goes on, the record waits
        publish(space, events[2 * part :])
        _stop(Kafka(stack))  # mid-stream: every client loses the broker
        _start(Kafka(stack))
        with _down(Postgres(stack), for_s=5.0):  # identity and consent lose their database
            time.sleep(1.0)
        wait_caught_up(space, probe, since=time.monotonic(), produced=len(events), timeout_s=300)
        assert streams.process.poll() is None and record.process.poll() is None
    except BaseException:
        sys.stderr.write(f"--- streams ---\n{streams.tail()}\n--- record ---\n{record.tail()}\n")
        raise
    finally:
        streams.stop()
        record.stop()
    assert_record_equals_log(stack, space, sent=EVENTS)
