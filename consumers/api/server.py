"""Serving the application with uvicorn, on loopback by default. Thin I/O.

uvicorn runs with no ``Server`` or ``Date`` header, no access log (its request line holds the
query string, and with it an NHS number: the guard logs every request without it), no proxy
headers (a client must not choose the address it is seen from) and no version anywhere.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from opensearchpy import OpenSearch

from consumers.api.anchor_log import AnchorPublisher, ensure_anchor_topic
from consumers.api.app import create_app
from consumers.api.audit import AuditLog, load_key
from consumers.api.auth import Authenticator, AuthSettings
from consumers.api.auth.oidc import IssuerKeys
from consumers.api.authz import AuthzSettings, load_policy
from consumers.api.consent_reader import ConsentReader
from consumers.api.directory import RegistryDirectory
from consumers.api.governance import Governance, WriterCareStore
from consumers.api.guard import Limits
from consumers.api.models import PublicConfig
from consumers.api.objections import ObjectionPublisher
from consumers.api.records import RecordReader
from consumers.api.settings import ApiSettings
from mcr.core.gc_pauses import settle_after_start
from mcr.core.kafka_acls import QUERY
from mcr.core.logging import get_logger
from mcr.core.metrics import MetricsSettings, ReadyCheck, serve_metrics
from mcr.core.opensearch import connect as opensearch_client
from mcr.core.readiness import http_answers, kafka_answers, opensearch_answers, postgres_answers
from mcr.core.settings import replace
from producers.sdk import PublisherConfig

__all__ = ["RunningServer", "Service", "build_service", "serve", "start_in_thread"]

#: Requests answered at once: the endpoints run in anyio's worker threads, 40 by its default
#: limiter. The OpenSearch client keeps as many connections, so none is opened per request.
REQUEST_THREADS = 40

log = get_logger(__name__)
VIEWER_CLIENT_ID = "mcr-viewer"


@dataclass
class Service:
    """The application and the connections behind it, closed together."""

    app: FastAPI
    client: OpenSearch
    consent: ConsentReader
    audit: AuditLog
    anchors: AnchorPublisher
    objections: ObjectionPublisher

    def close(self) -> None:
        self.anchors.stop()
        self.objections.close()
        self.consent.close()
        self.audit.close()
        self.client.close()


def governance_of(
    settings: AuthzSettings, audit: AuditLog, objections: ObjectionPublisher
) -> Governance:
    """The access policy (checked at start: a bad file stops the service), the break-glass
    store on the audit log's insert-only role, and where objections go."""
    return Governance(load_policy(settings.access_policy), WriterCareStore(audit), objections,
                      settings.relationship_window, settings.break_glass_duration)  # fmt: skip


def _audit(settings: ApiSettings) -> tuple[AuditLog, AnchorPublisher]:
    """The audit log, written through its insert-only role and signed with the audit key, and
    the publisher of its signed head (started: the current head is anchored at once)."""
    key = load_key(settings.audit_key_file)
    audit = AuditLog(admin_dsn=settings.audit_admin_dsn.get_secret_value(),
                     writer_dsn=settings.audit_writer_dsn, schema=settings.audit_schema,
                     role=settings.audit_role, key=key,
                     pool_size=settings.db_pool_size)  # fmt: skip
    audit.read_head()
    kafka = settings.kafka.resolve(QUERY)
    ensure_anchor_topic(kafka, settings.anchor_topic)
    anchors = AnchorPublisher(kafka=kafka, topic=settings.anchor_topic,
                              schema=settings.audit_schema, key=key, head=lambda: audit.last,
                              interval_s=settings.anchor_interval_s)  # fmt: skip
    anchors.start()
    return audit, anchors


def build_service(settings: ApiSettings, auth: AuthSettings) -> Service:
    """The application on the settings' OpenSearch alias, consent schema and audit schema,
    signing users in with tokens of ``auth``'s issuer.

    Raises AuditError when the audit key is missing or the audit log cannot be prepared: the
    service does not start without an audit it can trust.
    """
    audit, anchors = _audit(settings)
    objections = ObjectionPublisher(replace(
        PublisherConfig.from_env(), kafka=settings.kafka.resolve(QUERY),
        client_id="mcr-api-objections",
    ))  # fmt: skip
    gov = governance_of(AuthzSettings.from_env(), audit, objections)
    keys = IssuerKeys(auth)
    keys.prefetch()  # the first signed-in request does not wait for the issuer
    authenticator = Authenticator(auth, keys=keys)
    client = opensearch_client(settings.opensearch_url.get_secret_value(), timeout_s=10,
                               ca_file=settings.opensearch_ca_file,
                               pool_size=REQUEST_THREADS)  # fmt: skip
    consent = ConsentReader(settings.postgres_dsn.get_secret_value(), settings.consent_schema,
                            pool_size=settings.db_pool_size)  # fmt: skip
    app = create_app(
        records=RecordReader(client, alias=settings.alias),
        consent=consent,
        audit=audit,
        authenticator=authenticator,
        public_config=PublicConfig(
            issuer=auth.issuer, client_id=VIEWER_CLIENT_ID, audience=auth.audience
        ),
        governance=gov,
        allowed_hosts=settings.allowed_hosts,
        search_per_minute=settings.search_per_minute,
        limits=Limits(settings.max_body_bytes, settings.time_limit_s),
        directory=RegistryDirectory(
            settings.postgres_dsn.get_secret_value(), settings.registry_schema
        ),
        planning_reports=settings.planning_reports,
    )
    app.state.readiness = _readiness(settings, auth)
    return Service(app, client, consent, audit, anchors, objections)


def _readiness(settings: ApiSettings, auth: AuthSettings) -> ReadyCheck:
    """The stores the service needs, each checked on its own short connection."""
    dsn, writer = settings.postgres_dsn.get_secret_value(), settings.audit_writer_dsn
    opensearch = settings.opensearch_url.get_secret_value()
    kafka = settings.kafka.resolve(QUERY)  # as the service connects
    discovery = auth.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def check() -> dict[str, bool]:
        return {
            "postgresql": postgres_answers(dsn),
            "audit": postgres_answers(writer),
            "opensearch": opensearch_answers(opensearch, ca_file=settings.opensearch_ca_file),
            "kafka": kafka_answers(kafka),
            "identity_provider": http_answers(discovery, ca_file=auth.ca_file),
        }

    return check


def _config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, server_header=False, date_header=False,
                          proxy_headers=False, access_log=False, log_config=None,
                          lifespan="off", timeout_graceful_shutdown=5)  # fmt: skip


@dataclass
class RunningServer:
    """A server answering in a background thread (tests, embedding)."""

    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve ``app`` from a daemon thread; port 0 picks a free port (see ``url``). Returns
    once the server accepts connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(_config(app, host, port))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mcr-api",
                              daemon=True)  # fmt: skip
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        raise RuntimeError("api server did not start")
    return RunningServer(server, thread, host, int(sock.getsockname()[1]))


def serve(
    settings: ApiSettings, auth: AuthSettings, metrics: MetricsSettings | None = None
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM: uvicorn stops gracefully), then close every
    connection. With a ``metrics`` port, ``/metrics``, ``/live`` (the service answers its
    health route) and ``/ready`` are served there, apart from the public port."""
    service = build_service(settings, auth)
    health = f"http://{settings.host}:{settings.port}/api/health"
    serve_metrics(metrics or MetricsSettings(), lambda: http_answers(health),
                  service.app.state.readiness)  # fmt: skip
    settle_after_start()  # no request pays for walking the imports again
    log.info("api serving", host=settings.host, port=settings.port)
    try:
        uvicorn.Server(_config(service.app, settings.host, settings.port)).run()
    finally:
        log.info("api stopping")
        service.close()
