"""An objection withdrawn within seconds, end to end on the real stack: the streams worker
(identity then consent) and the record projection. The items the source sends again after the
withdrawal must be searchable: the purge used to delete them, and OpenSearch refused the same
version for a minute afterwards (``index.gc_deletes``)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from opensearchpy import NotFoundError, OpenSearch

from deploy.local import StackSettings
from producers.sdk import Publisher, PublisherConfig
from projections.record.ids import template_name
from projections.record.settings import RecordSettings
from schemas.events import DLQ_TOPIC, IDENTITY_CHANGES_TOPIC, SHARED_TOPIC, SourceEvent
from streams.identity.offline.sandbox import Sandbox
from tests.integration.projections.conftest import RunningWorker, all_documents, wait_until
from tests.unit.projections.builders import patient_event, result_event
from tests.unit.streams.consent.builders import consent_event

ITEMS = ("W-R1", "W-R2", "W-R3")
IDS = [f"result|Y01|{item}" for item in ITEMS]


@pytest.fixture
def projection(
    streams_sandbox: Sandbox, stack: StackSettings
) -> Iterator[tuple[RunningWorker, str]]:
    """The record projection on the sandbox's shared topic, into a fresh alias (returned)."""
    box = streams_sandbox
    prefix = box.settings.topic_prefix
    settings = RecordSettings(
        kafka=stack.kafka_admin,
        opensearch_url=stack.opensearch_user_url("mcr_projection"),
        opensearch_ca_file=str(stack.opensearch_ca_file),
        postgres_dsn=stack.operator_dsn,  # purge receipts: the operators' role
        source_topic=prefix + SHARED_TOPIC, identity_topic=prefix + IDENTITY_CHANGES_TOPIC,
        dlq_topic=prefix + DLQ_TOPIC, group_id=f"t-proj-{uuid.uuid4().hex[:10]}",
        alias=f"t-rec-{uuid.uuid4().hex[:10]}", flush_interval_ms=50, commit_interval_ms=200,
        refresh_interval="200ms",
    )  # fmt: skip
    client = OpenSearch(
        hosts=[stack.opensearch_url], timeout=30, ca_certs=str(stack.opensearch_ca_file)
    )
    worker = RunningWorker(settings)
    yield worker, settings.alias
    worker.stop()
    client.indices.delete(index=f"{settings.alias}-v*", params={"ignore_unavailable": "true"})
    client.indices.delete_index_template(name=template_name(settings.alias), params={"ignore": 404})
    client.close()


def _publish(box: Sandbox, *events: SourceEvent) -> None:
    config = PublisherConfig(kafka=box.kafka, topic_prefix=box.settings.topic_prefix)
    with Publisher(config) as publisher:
        publisher.publish_all(list(events))


def _visible(alias: str, client: OpenSearch) -> set[str]:
    """The live document ids behind ``alias``; none while the projection, started on a busy
    machine, has not made its index yet (the first wait used to fail on a 404 then)."""
    try:
        docs = all_documents(client, alias)
    except NotFoundError:
        return set()
    return {doc_id for doc_id, doc in docs.items() if doc.get("deleted") is False}


def test_a_withdrawn_objection_brings_the_record_back_by_itself(
    streams_sandbox: Sandbox, projection: tuple[RunningWorker, str], opensearch_client: OpenSearch
) -> None:
    """Objection and its withdrawal a moment later: the purge removes the results, and the
    consent stage's follow-through shares them again from the log with nobody sending them
    again (it used to take an operator's replay); the same results sent again by the source
    stay searchable (the purge used to make OpenSearch refuse the same versions for a minute,
    ``index.gc_deletes``)."""
    box = streams_sandbox
    worker, alias = projection
    head = {"org": "Y01", "local_patient_id": "W1", "serial": 7}
    results = [result_event(**head, source_record_id=item) for item in ITEMS]
    _publish(box, patient_event(**head, source_record_id="W1-pat"), *results)
    wait_until(lambda: set(IDS) <= _visible(alias, opensearch_client), 120, "first share")
    objection = consent_event(local_patient_id="W1", serial=7)
    withdrawal = consent_event(decision="PERMIT", local_patient_id="W1", serial=7, version=2)
    _publish(box, objection, withdrawal)
    wait_until(lambda: worker.worker.stats.purged >= len(ITEMS), 120, "the purge")
    wait_until(lambda: set(IDS) <= _visible(alias, opensearch_client), 60, "the record back")
    _publish(box, *results)
    time.sleep(1.0)
    assert set(IDS) <= _visible(alias, opensearch_client)
