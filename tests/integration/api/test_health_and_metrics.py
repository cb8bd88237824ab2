"""The query service's readiness and metrics on the real stores: ready while every store
answers, 503 naming the store that does not; requests counted by route template and status,
never audited for probes."""

from __future__ import annotations

from prometheus_client import REGISTRY

from tests.integration.api.conftest import ApiStack


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_ready_when_every_store_answers_and_not_audited(api_stack: ApiStack) -> None:
    rows = len(api_stack.audit_rows())
    reply = api_stack.get("/api/health/ready", headers={})
    assert reply.status == 200 and reply.body["ready"] is True
    assert set(reply.body["checks"]) == {"postgresql", "audit", "opensearch", "kafka",
                                         "identity_provider"}  # fmt: skip
    assert len(api_stack.audit_rows()) == rows


def test_not_ready_names_the_store_that_does_not_answer(api_stack: ApiStack) -> None:
    with api_stack.variant(opensearch_url="http://127.0.0.1:9") as broken:
        reply = broken.get("/api/health/ready", headers={})
    assert reply.status == 503 and reply.body["ready"] is False
    assert reply.body["checks"]["opensearch"] is False and reply.body["checks"]["postgresql"]


def test_requests_are_counted_by_route_template_and_status(api_stack: ApiStack) -> None:
    route = "/api/persons/{person_id}/record"
    before = _sample("mcr_api_requests_total", {"route": route, "status": "401"})
    seconds = _sample("mcr_api_request_seconds_count", {"route": route})
    assert api_stack.get("/api/persons/p-1/record", headers={}).status == 401
    assert _sample("mcr_api_requests_total", {"route": route, "status": "401"}) == before + 1
    assert _sample("mcr_api_request_seconds_count", {"route": route}) == seconds + 1
