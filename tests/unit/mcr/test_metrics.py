"""The metrics endpoint every worker serves: Prometheus text, liveness, readiness."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import ClassVar

import pytest
from prometheus_client import REGISTRY

from mcr.core.metrics import (
    Heartbeat,
    MetricsServer,
    MetricsSettings,
    count_batch,
    count_dead_letter,
    reason_label,
    serve_metrics,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(server: MetricsServer, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class _State:
    alive = True
    stores: ClassVar[dict[str, bool]] = {"kafka": True, "postgresql": True}


@pytest.fixture
def server() -> Iterator[MetricsServer]:
    found = serve_metrics(MetricsSettings(port=_free_port()), lambda: _State.alive,
                          lambda: dict(_State.stores))  # fmt: skip
    assert found is not None
    yield found
    found.close()
    _State.alive, _State.stores = True, {"kafka": True, "postgresql": True}


def test_port_zero_serves_nothing() -> None:
    assert serve_metrics(MetricsSettings(port=0), lambda: True, dict) is None


def test_metrics_are_prometheus_text(server: MetricsServer) -> None:
    count_batch("identity", ["linked", "linked", "dlq"], 0.02)
    status, body = _get(server, "/metrics")
    assert status == 200
    assert b'mcr_events_total{outcome="linked",stage="identity"}' in body
    assert b'mcr_batch_seconds_bucket{le="0.025",stage="identity"}' in body


def test_live_follows_the_loop(server: MetricsServer) -> None:
    assert _get(server, "/live") == (200, b'{"live": true}')
    _State.alive = False
    assert _get(server, "/live") == (503, b'{"live": false}')


def test_ready_names_each_store(server: MetricsServer) -> None:
    status, body = _get(server, "/ready")
    assert status == 200 and json.loads(body)["ready"] is True
    _State.stores = {"kafka": True, "postgresql": False}
    status, body = _get(server, "/ready")
    assert status == 503 and json.loads(body) == {
        "ready": False, "checks": {"kafka": True, "postgresql": False}}  # fmt: skip


def test_other_paths_are_404(server: MetricsServer) -> None:
    assert _get(server, "/admin")[0] == 404


def test_a_heartbeat_goes_stale() -> None:
    beat = Heartbeat(max_age_s=0.0)
    assert not beat.alive()
    beat.max_age_s = 60.0
    beat.beat()
    assert beat.alive()


def test_dead_letter_reasons_are_bounded_labels() -> None:
    assert reason_label("DecodeError: field 'nhs_number' at offset 7") == "DecodeError"
    assert reason_label("") == "unknown"
    assert len(reason_label("x" * 500)) == 60
    before = REGISTRY.get_sample_value("mcr_dead_letters_total",
                                       {"stage": "record", "reason": "Rejected"}) or 0.0  # fmt: skip
    count_dead_letter("record", "Rejected: mapper_parsing_exception")
    after = REGISTRY.get_sample_value("mcr_dead_letters_total",
                                      {"stage": "record", "reason": "Rejected"})  # fmt: skip
    assert after == before + 1
