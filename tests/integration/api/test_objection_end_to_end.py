"""An objection recorded from the service, end to end on the real stack: the GP records it, the
consent event travels through the streams worker (identity, consent), the projection purges,
and within seconds the record answers 403 with nothing but the objection; the withdrawal
recorded the same way lets the items the source sends again be read."""

from __future__ import annotations

import json
import time
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
from tests.integration.api.conftest import access_token, api_roles
from tests.integration.projections.conftest import RunningWorker, wait_until
from tests.unit.projections.builders import patient_event, result_event

HEAD = {"org": "E81001", "local_patient_id": "OBJ-1", "serial": 41}
RESULTS = [result_event(**HEAD, source_record_id=f"OBJ-R{i}") for i in range(3)]


@pytest.fixture
def service_url(
    streams_sandbox: Sandbox, stack: StackSettings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The record projection and the query service on the sandbox (objections published to
    the sandbox's topics)."""
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


def _publish(box: Sandbox, *events: SourceEvent) -> None:
    config = PublisherConfig(kafka=box.kafka,
                             topic_prefix=box.settings.topic_prefix)  # fmt: skip
    with Publisher(config) as publisher:
        publisher.publish_all(list(events))


class _Reply:
    def __init__(self, status_code: int, raw: bytes) -> None:
        self.status_code, self._raw = status_code, raw

    def json(self) -> Any:
        return json.loads(self._raw)


def _call(url: str, token: str, method: str = "GET", body: dict[str, Any] | None = None) -> _Reply:
    headers = {"Authorization": f"Bearer {token}", "X-MCR-Purpose": "direct-care",
               "Content-Type": "application/json"}  # fmt: skip
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return _Reply(answer.status, answer.read())
    except urllib.error.HTTPError as error:
        return _Reply(error.code, error.read())


def test_an_objection_recorded_by_the_gp_takes_effect_within_seconds(
    streams_sandbox: Sandbox, service_url: str, stack: StackSettings
) -> None:
    """GP reads the record; records an objection (202); within seconds the record is a 403
    objection; the withdrawal (202) lifts it, and the record the source sends again is
    readable again (bringing back what was purged without a resend is the consent stage's
    follow-through, not built yet)."""
    box = streams_sandbox
    token = access_token(stack)
    _publish(box, patient_event(**HEAD, source_record_id="OBJ-PAT"), *RESULTS)
    found: dict[str, str] = {}

    def person_found() -> bool:
        answer = _call(
            f"{service_url}/api/patients?family_name=Testpatient&birth_date=1970-01-01", token
        )
        persons = answer.json().get("persons", []) if answer.status_code == 200 else []
        for person in persons:
            record = _call(f"{service_url}/api/persons/{person['person_id']}/record", token)
            if record.status_code == 200 and record.json()["results"]["total"] == 3:
                found["person"] = person["person_id"]
        return "person" in found

    wait_until(person_found, 90, "the record, readable by the GP")
    record = f"{service_url}/api/persons/{found['person']}/record"
    objection = f"{service_url}/api/persons/{found['person']}/objection"

    started = time.monotonic()
    assert _call(objection, token, "POST", {"decision": "DENY"}).status_code == 202
    wait_until(lambda: _call(record, token).status_code == 403, 60, "the objection to apply")
    took = time.monotonic() - started
    refused = _call(record, token).json()
    assert refused["objects_to_sharing"] is True and "results" not in refused

    assert _call(objection, token, "POST", {"decision": "PERMIT"}).status_code == 202
    wait_until(lambda: _call(record, token).status_code != 403, 60, "the withdrawal to apply")
    _publish(box, patient_event(**HEAD, source_record_id="OBJ-PAT"), *RESULTS)
    wait_until(lambda: _call(record, token).json().get("results", {}).get("total") == 3, 60,
               "the results sent again")  # fmt: skip
    assert took < 60
