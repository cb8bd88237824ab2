"""Serving the WSGI application: a threaded ``wsgiref`` server on loopback. Thin I/O.

The standard request log line is switched off: it prints the query string, which may hold an
NHS number. ``Api.handle`` logs every request without it.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from types import FrameType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from opensearchpy import OpenSearch

from consumers.api.anchor_log import AnchorPublisher, ensure_anchor_topic
from consumers.api.app import Api
from consumers.api.audit import AuditLog, load_key
from consumers.api.consent_reader import ConsentReader
from consumers.api.records import RecordReader
from consumers.api.settings import ApiSettings
from mcr.core.logging import get_logger

__all__ = ["RunningServer", "Service", "build_service", "serve", "start_in_thread"]

log = get_logger(__name__)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request; threads do not keep the process alive."""

    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """No request line on stderr (it holds the query string)."""

    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass
class Service:
    """The application and the connections behind it, closed together."""

    api: Api
    client: OpenSearch
    consent: ConsentReader
    audit: AuditLog
    anchors: AnchorPublisher

    def close(self) -> None:
        self.anchors.stop()
        self.consent.close()
        self.audit.close()
        self.client.close()


def _audit(settings: ApiSettings) -> tuple[AuditLog, AnchorPublisher]:
    """The audit log, written through its insert-only role and signed with the audit key, and
    the publisher of its signed head (started: the current head is anchored at once)."""
    key = load_key(settings.audit_key_file)
    audit = AuditLog(admin_dsn=settings.postgres_dsn.get_secret_value(),
                     writer_dsn=settings.audit_writer_dsn, schema=settings.audit_schema,
                     role=settings.audit_role, key=key)  # fmt: skip
    audit.read_head()
    ensure_anchor_topic(settings.kafka_bootstrap, settings.anchor_topic)
    anchors = AnchorPublisher(bootstrap=settings.kafka_bootstrap, topic=settings.anchor_topic,
                              schema=settings.audit_schema, key=key, head=lambda: audit.last,
                              interval_s=settings.anchor_interval_s)  # fmt: skip
    anchors.start()
    return audit, anchors


def build_service(settings: ApiSettings) -> Service:
    """The application on the settings' OpenSearch alias, consent schema and audit schema.

    Raises AuditError when the audit key is missing or the audit log cannot be prepared: the
    service does not start without an audit it can trust.
    """
    audit, anchors = _audit(settings)
    client = OpenSearch(hosts=[settings.opensearch_url.get_secret_value()], timeout=10)
    consent = ConsentReader(settings.postgres_dsn.get_secret_value(), settings.consent_schema)
    records = RecordReader(client, alias=settings.alias)
    api = Api(records=records, consent=consent, audit=audit)
    return Service(api, client, consent, audit, anchors)


def _server(api: Api, host: str, port: int) -> WSGIServer:
    return make_server(
        host, port, api, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )


@dataclass
class RunningServer:
    """A server answering in a background thread (tests, embedding)."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start_in_thread(api: Api, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve ``api`` from a daemon thread; port 0 picks a free port (see ``url``)."""
    server = _server(api, host, port)
    thread = threading.Thread(target=server.serve_forever, name="mcr-api", daemon=True)
    thread.start()
    return RunningServer(server, thread)


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(settings: ApiSettings) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM), then close every connection."""
    service = build_service(settings)
    server = _server(service.api, settings.host, settings.port)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    log.info("api serving", host=settings.host, port=server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("api stopping")
    finally:
        server.server_close()
        service.close()
