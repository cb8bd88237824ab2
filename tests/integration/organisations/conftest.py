"""A whole pipeline on a sandbox (streams worker + record projection into a fresh alias), for
the organisation lifecycle tests: suspension at the identity stage, organisation purges."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import NotFoundError, OpenSearch

from deploy.local import StackSettings
from mcr.core import org_registry
from producers.sdk import Publisher, PublisherConfig
from projections.record.ids import template_name
from projections.record.settings import RecordSettings
from schemas.events import (
    DLQ_TOPIC,
    IDENTITY_CHANGES_TOPIC,
    LINKED_TOPIC,
    SHARED_TOPIC,
    SourceEvent,
)
from streams.identity.offline.sandbox import (
    SANDBOX_ORGANISATIONS,
    Sandbox,
    running_worker,
)
from tests.integration.conftest import stack_sandbox
from tests.integration.projections.conftest import RunningWorker, all_documents


@dataclass
class Pipeline:
    """The sandbox, its projection and where things land."""

    box: Sandbox
    worker: RunningWorker
    settings: RecordSettings
    client: OpenSearch

    @property
    def alias(self) -> str:
        return self.settings.alias

    @property
    def linked_topic(self) -> str:
        return self.box.settings.topic_prefix + LINKED_TOPIC

    @property
    def dlq_topic(self) -> str:
        return self.box.settings.topic_prefix + DLQ_TOPIC

    def registry(self) -> Any:
        """A connection on the sandbox's own registry, as the operators (its owner)."""
        return org_registry.connect(self.box.operator_dsn, self.box.settings.registry_schema)

    def publish(self, *events: SourceEvent) -> None:
        config = PublisherConfig(kafka=self.box.kafka, topic_prefix=self.box.settings.topic_prefix)
        with Publisher(config) as publisher:
            publisher.publish_all(list(events))

    def documents(self) -> dict[str, dict[str, Any]]:
        """Every document behind the alias (none before the projection made its index)."""
        try:
            return all_documents(self.client, self.alias)
        except NotFoundError:
            return {}

    def visible(self) -> set[str]:
        """Ids of the documents readers see."""
        return {i for i, doc in self.documents().items() if doc.get("deleted") is False}


# Every organisation these tests publish as gets its topic before the worker starts (a topic
# made later is found by the worker's next look, which a loaded machine can make slow).
REGISTERED = (*SANDBOX_ORGANISATIONS, "00KC", "E81002", "E81003", "E81004")
UNREGISTERED = ("ZZ999",)


@pytest.fixture
def org_sandbox(stack: StackSettings, tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox with a streams worker, topics for the organisations above (ZZ999 is not in
    its registry)."""
    with (
        stack_sandbox(stack, organisations=REGISTERED, unregistered=UNREGISTERED) as made,
        (tmp_path / "worker.log").open("wb") as log,
        running_worker(made, log=log),
    ):  # fmt: skip
        yield made


@pytest.fixture
def pipeline(org_sandbox: Sandbox, stack: StackSettings) -> Iterator[Pipeline]:
    """The streams worker on a sandbox and the record projection on its shared topic."""
    streams_sandbox = org_sandbox
    prefix = streams_sandbox.settings.topic_prefix
    settings = RecordSettings(
        kafka=stack.kafka_admin, opensearch_url=stack.opensearch_user_url("mcr_projection"),
        opensearch_ca_file=str(stack.opensearch_ca_file), source_topic=prefix + SHARED_TOPIC, identity_topic=prefix + IDENTITY_CHANGES_TOPIC,
        dlq_topic=prefix + DLQ_TOPIC, group_id=f"t-proj-{uuid.uuid4().hex[:10]}",
        alias=f"t-rec-{uuid.uuid4().hex[:10]}", flush_interval_ms=50, commit_interval_ms=200,
        refresh_interval="200ms",
    )  # fmt: skip
    client = OpenSearch(hosts=[stack.opensearch_url], timeout=30,
                        ca_certs=str(stack.opensearch_ca_file))  # fmt: skip
    worker = RunningWorker(settings)
    yield Pipeline(streams_sandbox, worker, settings, client)
    worker.stop()
    client.indices.delete(index=f"{settings.alias}-v*", params={"ignore_unavailable": "true"})
    client.indices.delete_index_template(name=template_name(settings.alias), params={"ignore": 404})
    client.close()
