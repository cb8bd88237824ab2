"""``mcr demo``'s pipeline processes on the real stack, started as ``mcr demo up`` starts them
(``deploy.local.workers`` with ``mcr.demo.worker_specs``) but on a sandbox: the two streams
processes (``streams-identity``, ``streams-linked``) each join their own consumer group and
serve their own metrics port, an event goes identity -> consent -> record, and ``mcr status``
reports the stages caught up in the split groups."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient
from opensearchpy import NotFoundError, OpenSearch
from typer.testing import CliRunner

from deploy.local import StackSettings, workers
from mcr.cli import app
from mcr.demo import metrics_ports, worker_specs
from producers.sdk import Publisher, PublisherConfig
from projections.record.ids import template_name
from schemas.events import DLQ_TOPIC, IDENTITY_CHANGES_TOPIC, LINKED_TOPIC, SHARED_TOPIC
from streams.identity.offline.sandbox import Sandbox
from tests.integration.conftest import stack_sandbox
from tests.integration.projections.conftest import all_documents
from tests.unit.projections.builders import patient_event, result_event

TIMEOUT_S = 150
STARTED = ("streams-identity", "streams-linked", "record")  # planning and api: other tests


def _free_ports_from(count: int) -> int:
    """The first of ``count`` consecutive loopback ports nothing listens on now."""
    for _ in range(50):
        base = random.randrange(20_000, 60_000)
        try:
            for port in range(base, base + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no free ports")


@pytest.fixture
def demo(
    stack: StackSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Sandbox, StackSettings, str]]:
    """The demo's streams and record workers on a sandbox (their pid files and logs in tmp,
    their metrics on free ports), the settings they were started with, and the record alias."""
    alias = f"t-demo-{uuid.uuid4().hex[:10]}"
    with stack_sandbox(stack) as box:
        prefix = box.settings.topic_prefix
        environment = {**box.env(), "MCR_RECORD_GROUP": box.projection_group,
                       "MCR_RECORD_ALIAS": alias, "MCR_RECORD_SOURCE_TOPIC": prefix + SHARED_TOPIC,
                       "MCR_RECORD_IDENTITY_TOPIC": prefix + IDENTITY_CHANGES_TOPIC,
                       "MCR_RECORD_DLQ_TOPIC": prefix + DLQ_TOPIC,
                       "MCR_PLANNING_GROUP": box.planning_group}  # fmt: skip
        for name in ("MCR_KAFKA_USERNAME", "MCR_KAFKA_PASSWORD_FILE"):
            monkeypatch.delenv(name, raising=False)  # each worker as its own principal
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        settings = stack.model_copy(
            update={"run_dir": tmp_path, "demo_metrics_port": _free_ports_from(5)}
        )
        specs = [s for s in worker_specs(settings) if s.name in STARTED]
        workers.start(settings, specs)
        client = OpenSearch(hosts=[stack.opensearch_url], ca_certs=str(stack.opensearch_ca_file))
        try:
            yield box, settings, alias
        finally:
            workers.stop(settings, specs)
            client.indices.delete(index=f"{alias}-v*", params={"ignore_unavailable": "true"})
            client.indices.delete_index_template(name=template_name(alias), params={"ignore": 404})
            client.close()
            for spec in specs:  # shown when the test failed
                print(spec.name, (tmp_path / "workers" / f"{spec.name}.log").read_text()[-3000:])


def _documents(stack: StackSettings, alias: str) -> dict[str, dict[str, Any]]:
    client = OpenSearch(hosts=[stack.opensearch_url], ca_certs=str(stack.opensearch_ca_file))
    try:
        return all_documents(client, alias)
    except NotFoundError:  # no index before the projection's first batch
        return {}
    finally:
        client.close()


def _assigned_topics(stack: StackSettings, group: str, prefix: str) -> set[str]:
    """The pipeline topics (not faust's own) the group's members hold."""
    admin = AdminClient(stack.kafka_admin.config())
    found = admin.describe_consumer_groups([group])[group].result(timeout=30)
    topics = {tp.topic for m in found.members for tp in m.assignment.topic_partitions}
    return {t for t in topics if t.startswith(prefix)}


def _stages() -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(app, ["status", "--json", "--interval", "1"])
    return {s["name"]: s for s in json.loads(result.stdout)["stages"]}


def test_the_demo_runs_identity_and_linked_as_two_workers_end_to_end(
    stack: StackSettings, demo: tuple[Sandbox, StackSettings, str]
) -> None:
    """A patient and a result published as a GP practice reach the record through both
    streams processes; each process holds only its own stage's topics."""
    box, settings, alias = demo
    config = PublisherConfig(kafka=box.kafka, topic_prefix=box.settings.topic_prefix)
    with Publisher(config) as publisher:
        publisher.publish_all([
            patient_event(org="Y01", local_patient_id="D1", source_record_id="D1-pat", serial=1),
            result_event(org="Y01", local_patient_id="D1", source_record_id="D1-R1", serial=1),
        ])  # fmt: skip
    deadline = time.monotonic() + TIMEOUT_S
    while len(_documents(stack, alias)) < 2:
        assert time.monotonic() < deadline, "the events did not reach the record"
        time.sleep(1.0)

    rows = {r.name: r.pid for r in workers.status(settings, worker_specs(settings))}
    assert all(rows[name] is not None for name in STARTED), rows
    prefix = box.settings.topic_prefix
    identity_topics = _assigned_topics(stack, box.app_id, prefix)
    assert identity_topics and all(t.startswith(prefix + "mcr.source.") for t in identity_topics)
    assert _assigned_topics(stack, f"{box.app_id}-linked", prefix) == {
        prefix + LINKED_TOPIC, prefix + IDENTITY_CHANGES_TOPIC}  # fmt: skip
    for name in ("streams-identity", "streams-linked"):
        port = metrics_ports(settings)[name]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=10) as answer:
            assert answer.status == 200, name

    while True:  # committed soon after the documents are written
        stages = _stages()
        if all(stages[s]["state"] == "caught-up" for s in ("identity", "consent", "record")):
            break
        assert time.monotonic() < deadline, stages
        time.sleep(1.0)
    assert stages["identity"]["group"] == box.app_id
    assert stages["consent"]["group"] == f"{box.app_id}-linked"
