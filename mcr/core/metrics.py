"""Prometheus metrics shared by every process, and the small HTTP endpoint each worker serves.

One place defines every metric family, so the stages report under the same names and labels
(``stage`` is ``identity``, ``consent``, ``record`` or ``api``). Labels are bounded: outcomes
and reasons are fixed words or exception class names, never values from an event.

Each process serves ``/metrics`` (Prometheus text), ``/live`` (its loop ran recently: a
:class:`Heartbeat`, or for the query service its own health route) and ``/ready`` (its stores
answer) on ``MCR_METRICS_PORT`` (0: not
served), bound to ``MCR_METRICS_HOST`` (loopback by default: metrics are not for the public).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer
from pydantic import Field

from mcr.core.settings import McrSettings, tcp_port

__all__ = [
    "API_REQUESTS",
    "API_SECONDS",
    "AUDIT_FAILURES",
    "BATCH_SECONDS",
    "CONSUMER_LAG",
    "DEAD_LETTERS",
    "EVENTS",
    "GC_PAUSE_SECONDS",
    "REVIEW_QUEUE",
    "Heartbeat",
    "MetricsServer",
    "MetricsSettings",
    "ReadyCheck",
    "count_batch",
    "count_dead_letter",
    "reason_label",
    "serve_metrics",
]

EVENTS = Counter("mcr_events", "Events handled, by stage and outcome.", ["stage", "outcome"])
DEAD_LETTERS = Counter(
    "mcr_dead_letters", "Events sent to the dead-letter topic, by stage and reason.",
    ["stage", "reason"],
)  # fmt: skip
BATCH_SECONDS = Histogram(
    "mcr_batch_seconds", "Time to handle one batch, by stage.", ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)  # fmt: skip
CONSUMER_LAG = Gauge("mcr_consumer_lag", "Messages waiting for the stage.", ["stage"])
REVIEW_QUEUE = Gauge("mcr_review_queue_depth", "Identity reviews pending.")
API_REQUESTS = Counter(
    "mcr_api_requests", "Query service requests, by route template and status.",
    ["route", "status"],
)  # fmt: skip
API_SECONDS = Histogram(
    "mcr_api_request_seconds", "Query service answer time, by route template.", ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)  # fmt: skip
GC_PAUSE_SECONDS = Histogram(
    "mcr_gc_pause_seconds", "Pauses of Python's cycle collector, by generation.", ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)  # fmt: skip
AUDIT_FAILURES = Counter("mcr_audit_write_failures", "Audit rows that could not be written.")

_REASON_MAX = 60


def reason_label(reason: str) -> str:
    """A bounded label for a dead-letter reason: its class (before ``:``), cut short."""
    return reason.split(":", 1)[0].strip()[:_REASON_MAX] or "unknown"


def count_batch(stage: str, outcomes: Iterable[str], seconds: float) -> None:
    """Count one handled batch: each event's outcome and the batch's time."""
    for outcome in outcomes:
        EVENTS.labels(stage=stage, outcome=outcome).inc()
    BATCH_SECONDS.labels(stage=stage).observe(seconds)


def count_dead_letter(stage: str, reason: str) -> None:
    """Count one event sent to the dead-letter topic, by its reason's class."""
    DEAD_LETTERS.labels(stage=stage, reason=reason_label(reason)).inc()


class MetricsSettings(McrSettings):
    """Where a worker serves its metrics and probes (port 0: not served)."""

    port: Annotated[int, tcp_port(allow_zero=True), Field(validation_alias="MCR_METRICS_PORT")] = 0
    host: Annotated[str, Field(validation_alias="MCR_METRICS_HOST")] = "127.0.0.1"


@dataclass
class Heartbeat:
    """The worker's loop beats; it is alive while the last beat is younger than ``max_age_s``."""

    max_age_s: float = 30.0
    _last: float = field(default_factory=time.monotonic)

    def beat(self) -> None:
        self._last = time.monotonic()

    def alive(self) -> bool:
        return time.monotonic() - self._last < self.max_age_s


ReadyCheck = Callable[[], Mapping[str, bool]]
"""The stores a worker needs, each ``True`` when it answered (must not raise)."""


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds would flood stderr; the metrics count them instead."""


def _json(start_response: Callable[..., Any], ok: bool, body: Mapping[str, Any]) -> list[bytes]:
    status = "200 OK" if ok else "503 Service Unavailable"
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def _app(live: Callable[[], bool], ready: ReadyCheck) -> Callable[..., list[bytes]]:
    metrics = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return list(metrics(environ, start_response))
        if path == "/live":
            alive = live()
            return _json(start_response, alive, {"live": alive})
        if path == "/ready":
            checks = dict(ready())
            ok = all(checks.values())
            return _json(start_response, ok, {"ready": ok, "checks": checks})
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "not found: /metrics, /live or /ready"}']

    return app


@dataclass
class MetricsServer:
    """A running metrics endpoint; ``port`` is the one bound (useful with port 0 in tests)."""

    port: int
    _server: Any
    _thread: threading.Thread

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_metrics(
    settings: MetricsSettings, live: Callable[[], bool], ready: ReadyCheck
) -> MetricsServer | None:
    """Serve ``/metrics``, ``/live`` (``live()``, e.g. a :class:`Heartbeat`'s ``alive``) and
    ``/ready`` in a daemon thread; None when the port is 0 (not served)."""
    if settings.port == 0:
        return None
    server = make_server(settings.host, settings.port, _app(live, ready),
                         server_class=ThreadingWSGIServer, handler_class=_QuietHandler)  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
    thread.start()
    return MetricsServer(server.server_port, server, thread)
