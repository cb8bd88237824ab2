"""The record projection and the query service running on a streams sandbox, for the API
tests that go end to end through the real pipeline (objections, the newer record types):
start them, publish source events, call the service as a signed-in user."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from opensearchpy import OpenSearch

from consumers.api.auth import AuthSettings
from consumers.api.server import build_service, start_in_thread
from consumers.api.settings import ApiSettings
from deploy.local import StackSettings
from producers.sdk import Publisher, PublisherConfig
from projections.record.ids import template_name
from projections.record.settings import RecordSettings
from schemas.events import DLQ_TOPIC, IDENTITY_CHANGES_TOPIC, SHARED_TOPIC, SourceEvent
from streams.identity.offline.sandbox import Sandbox
from tests.conftest import unique_name
from tests.integration.api.conftest import api_roles
from tests.integration.projections.conftest import RunningWorker

__all__ = ["Reply", "call", "publish", "serve_on_sandbox"]


def serve_on_sandbox(
    streams_sandbox: Sandbox, stack: StackSettings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The record projection and the query service on the sandbox (objections published to
    the sandbox's topics), for the ``service_url`` fixture: yields the service's URL."""
    box = streams_sandbox
    prefix, alias = box.settings.topic_prefix, f"t-obj-{uuid.uuid4().hex[:10]}"
    projection = RunningWorker(RecordSettings(
        kafka=stack.kafka_admin,
        opensearch_url=stack.opensearch_user_url("mcr_projection"),
        opensearch_ca_file=str(stack.opensearch_ca_file),
        postgres_dsn=stack.operator_dsn,  # purge receipts: the operators' role
        source_topic=prefix + SHARED_TOPIC, identity_topic=prefix + IDENTITY_CHANGES_TOPIC,
        dlq_topic=prefix + DLQ_TOPIC, group_id=f"t-proj-{uuid.uuid4().hex[:10]}", alias=alias,
        flush_interval_ms=50, commit_interval_ms=200, refresh_interval="200ms",
    ))  # fmt: skip
    monkeypatch.setenv("MCR_TOPIC_PREFIX", prefix)
    settings = ApiSettings(
        port=0, opensearch_url=stack.opensearch_user_url("mcr_query"), alias=alias,
        opensearch_ca_file=str(stack.opensearch_ca_file),
        **api_roles(stack), consent_schema=box.consent_schema,
        audit_schema=unique_name("t_audit"), audit_key_file=str(stack.audit_key_file),
        kafka=stack.kafka_admin,
    )  # fmt: skip
    service = build_service(settings, AuthSettings.from_env())
    server = start_in_thread(service.app)
    yield server.url
    server.stop()
    service.close()
    projection.stop()
    client = OpenSearch(hosts=[stack.opensearch_url], ca_certs=str(stack.opensearch_ca_file))
    client.indices.delete(index=f"{alias}-v*", params={"ignore_unavailable": "true"})
    client.indices.delete_index_template(name=template_name(alias), params={"ignore": 404})
    client.close()


def publish(box: Sandbox, *events: SourceEvent) -> None:
    config = PublisherConfig(kafka=box.kafka,
                             topic_prefix=box.settings.topic_prefix)  # fmt: skip
    with Publisher(config) as publisher:
        publisher.publish_all(list(events))


class Reply:
    def __init__(self, status_code: int, raw: bytes) -> None:
        self.status_code, self._raw = status_code, raw

    def json(self) -> Any:
        return json.loads(self._raw)

    @property
    def raw(self) -> bytes:
        """The body as received (a document's bytes)."""
        return self._raw


def call(url: str, token: str, method: str = "GET", body: dict[str, Any] | None = None) -> Reply:
    headers = {"Authorization": f"Bearer {token}", "X-MCR-Purpose": "direct-care",
               "Content-Type": "application/json"}  # fmt: skip
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Reply(answer.status, answer.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read())
