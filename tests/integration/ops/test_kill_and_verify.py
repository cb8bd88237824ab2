"""``kill -9`` of each worker mid-stream, then ``mcr record verify``: the record the restarted
pipeline leaves is exactly what its log says, with nothing missing and nothing leaked.

The workers are real processes (``mcr identity worker``, ``mcr record run``) on a sandbox of
fresh topics, schema, groups and alias (the benchmark's), fed a synthetic region slice that
includes objections, withdrawals and withheld items, so purges and shares after purges happen
while the workers die.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch

from consumers.ops.bench.events import region_events
from consumers.ops.bench.probe import OffsetProbe
from consumers.ops.bench.provision import provisioned
from consumers.ops.bench.space import BenchSpace, Targets, new_space
from consumers.ops.bench.throughput import wait_caught_up
from deploy.local import StackSettings
from producers.sdk import PublisherConfig
from producers.sdk.fleet import PublisherFleet
from producers.simulator.region import REGION
from projections.record.expected import VerifyReport
from projections.record.settings import RecordSettings
from projections.record.verify import Lagging, verify_record
from schemas.events import SourceEvent

EVENTS = 4_000
RATE = 250.0  # events/s: sixteen seconds of traffic, so each kill lands mid-stream
# Dead members keep their partitions until their session times out (45 s by default): keep it
# short for both workers (faust reads its own settings from the environment).
SHORT_SESSIONS = {"BROKER_SESSION_TIMEOUT": "10", "BROKER_HEARTBEAT_INTERVAL": "3",
                  "MCR_RECORD_SESSION_TIMEOUT_MS": "10000"}  # fmt: skip


class _Process:
    """One worker process that can be killed with SIGKILL and started again."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], home: Path) -> None:
        self.argv, self.env, self.home = list(argv), dict(env), home
        home.mkdir()
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        with open(self.home / "worker.log", "ab") as log:
            return subprocess.Popen([sys.executable, "-m", "mcr", *self.argv], env=self.env,
                                    cwd=self.home, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip

    def kill_and_restart(self) -> None:
        assert self.process.poll() is None, self.tail()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = self._start()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def tail(self) -> str:
        return (self.home / "worker.log").read_text(errors="replace")[-3000:]


@pytest.fixture
def space(stack: StackSettings) -> Iterator[BenchSpace]:
    """Fresh topics (2 partitions), MPI and consent schema, groups and alias; removed after."""
    targets = Targets(stack.kafka_admin, stack.opensearch_user_url("mcr_projection"),
                      stack.identity_dsn, stack.consent_dsn, stack.operator_dsn)  # fmt: skip
    client = OpenSearch(
        hosts=[stack.opensearch_url], timeout=60, ca_certs=str(stack.opensearch_ca_file)
    )
    orgs = [org.code for org in REGION.organisations]  # each publishes as itself
    with provisioned(new_space(targets, partitions=2, organisations=orgs), client) as made:
        yield made
    client.close()


class _Traffic(threading.Thread):
    """Publishes ``events`` at :data:`RATE`; counts what it sent, keeps any error."""

    def __init__(self, space: BenchSpace, events: Sequence[SourceEvent]) -> None:
        super().__init__(daemon=True)
        self.space, self.events = space, events
        self.sent = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            config = self.space.publisher_config(PublisherConfig.from_env())
            with PublisherFleet(config) as producer:  # each organisation as itself
                for event in self.events:
                    producer.publish(event)
                    self.sent += 1
                    if self.sent % 50 == 0:
                        time.sleep(50 / RATE)
                stats = producer.flush(timeout=120)
            assert (stats.delivered, stats.failed) == (len(self.events), 0)
        except BaseException as exc:  # surfaced by the test
            self.error = exc


def _committed_some(probe: OffsetProbe, stage: str, timeout_s: float = 90.0) -> None:
    """Wait until ``stage`` (identity or projection) has committed at least one message."""
    deadline = time.monotonic() + timeout_s
    while getattr(probe.snapshot(0.0), stage).committed == 0:
        assert time.monotonic() < deadline, f"{stage} committed nothing in {timeout_s:.0f} s"
        time.sleep(0.2)


def _record_settings(space: BenchSpace) -> RecordSettings:
    return RecordSettings(
        kafka=space.targets.kafka,
        opensearch_url=space.targets.opensearch_url,
        postgres_dsn=space.targets.operator_dsn,  # purge receipts: this stack, not a default
        source_topic=space.shared_topic,
        identity_topic=space.changes_topic,
        dlq_topic=space.dlq_topic,
        group_id=space.record_group,
        alias=space.alias,
    )


def test_kill_9_of_each_worker_mid_stream_then_verify_finds_nothing_missing_or_leaked(
    stack: StackSettings, space: BenchSpace, tmp_path: Path
) -> None:
    """Streams worker killed a second into the traffic, record worker two seconds later, both
    restarted at once: after catching up, the index equals what the log says."""
    base = {**os.environ, **SHORT_SESSIONS}
    streams = _Process(["streams", "worker"], space.identity_env(base), tmp_path / "streams")
    record = _Process(["record", "run"], space.record_env(base), tmp_path / "record")
    events = region_events(EVENTS, seed=16).events
    traffic = _Traffic(space, events)
    probe = OffsetProbe(space, AdminClient(space.targets.kafka.config()))
    try:
        traffic.start()
        _committed_some(probe, "identity")
        streams.kill_and_restart()
        killed_streams_at = traffic.sent
        _committed_some(probe, "projection")
        record.kill_and_restart()
        killed_record_at = traffic.sent
        traffic.join(timeout=120)
        assert not traffic.is_alive() and traffic.error is None, traffic.error
        assert 0 < killed_streams_at < len(events), "the streams worker was not killed mid-stream"
        assert killed_record_at < len(events), "the record worker was not killed mid-stream"
        wait_caught_up(space, probe, since=time.monotonic(), produced=len(events), timeout_s=240)
    except BaseException:
        sys.stderr.write(f"--- streams ---\n{streams.tail()}\n--- record ---\n{record.tail()}\n")
        raise
    finally:
        streams.stop()
        record.stop()
    client = OpenSearch(
        hosts=[space.targets.opensearch_url], timeout=60, ca_certs=str(stack.opensearch_ca_file)
    )
    try:
        report = verify_record(_record_settings(space), client)
    finally:
        client.close()
    assert isinstance(report, VerifyReport), f"projection still behind: {report}"
    assert not isinstance(report, Lagging)
    assert (report.count("missing"), report.count("leaked"), report.count("mismatched")) == (
        0,
        0,
        0,
    ), report.as_json()
    assert report.expected_visible > EVENTS / 2 and report.unreadable == 0
