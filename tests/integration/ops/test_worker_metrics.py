"""Each worker, run as a real process on the real stores, serves its metrics and probes: live,
ready, and events counted by stage and outcome once a slice of the region has gone through."""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient
from prometheus_client.parser import text_string_to_metric_families

from consumers.ops.bench.events import region_events
from consumers.ops.bench.probe import OffsetProbe
from consumers.ops.bench.space import BenchSpace
from consumers.ops.bench.throughput import wait_caught_up
from consumers.ops.bench.workers import Worker, start_worker, stop_process, wait_until_ready
from deploy.local import StackSettings
from producers.sdk import PublisherConfig
from producers.sdk.fleet import PublisherFleet
from tests.integration.ops.region_run import region_space

EVENTS = 400
SEED = 7


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def space(stack: StackSettings) -> Iterator[BenchSpace]:
    with region_space(stack, events=EVENTS, seed=SEED, partitions=1) as made:
        yield made


def _get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _samples(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = _get(port, "/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def _events(port: int, stage: str, outcome: str) -> float:
    key = ("mcr_events_total", (("outcome", outcome), ("stage", stage)))
    return _samples(port).get(key, 0.0)


def test_workers_serve_live_ready_and_count_events(space: BenchSpace, tmp_path: Path) -> None:
    ports = {"identity": _free_port(), "projection": _free_port()}
    base = dict(os.environ)
    workers: list[Worker] = [
        start_worker("identity", group=space.identity_group, argv=["streams", "worker"],
               env={**space.identity_env(base), "MCR_METRICS_PORT": str(ports["identity"])},
               folder=tmp_path),
        start_worker("projection", group=space.record_group, argv=["record", "run"],
               env={**space.record_env(base), "MCR_METRICS_PORT": str(ports["projection"])},
               folder=tmp_path),
    ]  # fmt: skip
    try:
        admin = AdminClient(space.targets.kafka.config())
        wait_until_ready(admin, workers)
        events = region_events(EVENTS, seed=SEED).events
        with PublisherFleet(space.publisher_config(PublisherConfig.from_env())) as producer:
            for event in events:  # each organisation as itself
                producer.publish(event)
            assert producer.flush(timeout=120).failed == 0
        wait_caught_up(space, OffsetProbe(space, admin), since=time.monotonic(),
                       produced=len(events), timeout_s=180)  # fmt: skip
        time.sleep(2)  # the record worker reports at its next commit
        for port in ports.values():
            assert _get(port, "/live") == (200, b'{"live": true}')
            status, body = _get(port, "/ready")
            assert status == 200 and all(json.loads(body)["checks"].values()), body
        identity = ports["identity"]
        assert _events(identity, "identity", "linked") + _events(
            identity, "identity", "held"
        ) + _events(identity, "identity", "dlq") == len(events)
        assert _events(identity, "consent", "shared") > 0
        assert _events(ports["projection"], "record", "written") > 0
        batches = ("mcr_batch_seconds_count", (("stage", "identity"),))
        assert _samples(identity)[batches] > 0
    finally:
        for worker in workers:
            stop_process(worker.process)


def _lag(port: int) -> dict[str, float]:
    samples = _samples(port)
    return {stage: samples[("mcr_consumer_lag", (("stage", stage),))]
            for stage in ("identity", "consent")
            if ("mcr_consumer_lag", (("stage", stage),)) in samples}  # fmt: skip


def _wait_lag(
    port: int, done: Callable[[dict[str, float]], bool], timeout_s: float
) -> dict[str, float]:
    deadline = time.monotonic() + timeout_s
    lag: dict[str, float] = {}
    while time.monotonic() < deadline:
        lag = _lag(port)
        if done(lag):
            return lag
        time.sleep(0.5)
    raise AssertionError(f"lag gauge never reached the expected value; last {lag}")


def test_streams_worker_publishes_each_stages_lag(space: BenchSpace, tmp_path: Path) -> None:
    """Events published before the worker starts show as identity's lag (nothing committed
    yet: commits are 20 s apart here), and every stage's lag falls to 0 once committed."""
    events = region_events(EVENTS, seed=SEED).events
    with PublisherFleet(space.publisher_config(PublisherConfig.from_env())) as producer:
        for event in events:
            producer.publish(event)
        assert producer.flush(timeout=120).failed == 0
    port = _free_port()
    env = {**space.identity_env(dict(os.environ)), "MCR_METRICS_PORT": str(port),
           "BROKER_COMMIT_INTERVAL": "20", "MCR_STREAMS_LAG_S": "0.5"}  # fmt: skip
    worker = start_worker("identity", group=space.identity_group, argv=["streams", "worker"],
                          env=env, folder=tmp_path)  # fmt: skip
    try:
        wait_until_ready(AdminClient(space.targets.kafka.config()), [worker])
        first = _wait_lag(port, lambda lag: lag.get("identity", 0) > 0, timeout_s=20)
        assert first["identity"] == len(events)
        last = _wait_lag(port, lambda lag: lag and not any(lag.values()), timeout_s=120)
        assert last == {"identity": 0, "consent": 0}
    finally:
        stop_process(worker.process)
