"""Configuration of the query service, read once from the environment (loopback defaults).

=====================  ==============================================  ==========================
variable               field                                           default
=====================  ==============================================  ==========================
MCR_API_HOST           host the HTTP server binds                      127.0.0.1
MCR_API_PORT           port the HTTP server binds                      8480
MCR_OPENSEARCH_URL     opensearch_url (as the record projection's)     http://127.0.0.1:9200
MCR_RECORD_ALIAS       alias read (as the record projection's)         record
MCR_POSTGRES_DSN       postgres_dsn (consent state and audit log)      ``DEFAULT_DSN`` (loopback)
MCR_CONSENT_SCHEMA     consent_schema (read at query time)             consent
MCR_API_AUDIT_SCHEMA   audit_schema (the hash-chained audit log)       audit
MCR_API_AUDIT_ROLE     audit_role (login role that may only insert)    mcr_audit_writer
MCR_API_AUDIT_DSN      audit_dsn (how the service writes the audit)    postgres_dsn as audit_role
MCR_AUDIT_KEY_FILE     audit_key_file (row macs, anchor signatures)    none: required to serve
MCR_KAFKA_*            kafka (anchors, objections; as mcr-query)       mcr.core.kafka_client
MCR_AUDIT_ANCHOR_TOPIC anchor_topic (signed chain heads, kept forever) mcr.audit.anchors
MCR_AUDIT_ANCHOR_S     anchor_interval_s (how often the head is sent)  1.0
MCR_API_ALLOWED_HOSTS  allowed_hosts (``Host`` header; others: 400)    127.0.0.1,localhost
MCR_API_SEARCH_RATE    search_per_minute (per user, /api/patients)     30
MCR_API_MAX_BODY       max_body_bytes (larger request bodies: 413)     16384
MCR_API_TIME_LIMIT_S   time_limit_s (a slower answer is a 503)         10
MCR_API_DB_POOL        db_pool_size (connections per pool)             4
MCR_PLANNING_REPORT_DIR planning_reports (``latest`` is served)        .run/reports/planning
=====================  ==============================================  ==========================

URLs and the DSN may carry credentials: ``repr`` masks them and the settings are never logged.
``postgres_dsn`` migrates the audit schema (and creates ``audit_role``); the service then writes
the audit only through ``audit_dsn``, a role the database lets INSERT and SELECT and nothing
else. The audit key is read from a file (a deployment mounts it from its secrets store).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from psycopg.conninfo import make_conninfo
from pydantic import Field

from mcr.core.kafka_client import KafkaClient
from mcr.core.settings import (
    DEFAULT_OPENSEARCH_URL,
    DEFAULT_POSTGRES_DSN,
    McrSettings,
    OpenSearchUrl,
    PostgresDsn,
    SecretUrl,
    SqlIdentifier,
    rule,
    tcp_port,
)

__all__ = ["DEFAULT_DSN", "ApiSettings"]

DEFAULT_DSN = DEFAULT_POSTGRES_DSN


def _hosts(value: object) -> tuple[str, ...] | None:
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list | tuple):
        return None
    hosts = tuple(str(name).strip() for name in names if str(name).strip())
    return hosts or None


class ApiSettings(McrSettings):
    """Where the service listens, which record alias it reads, where consent and audit live."""

    host: Annotated[str, Field(validation_alias="MCR_API_HOST")] = "127.0.0.1"
    port: Annotated[int, tcp_port(allow_zero=True), Field(validation_alias="MCR_API_PORT")] = 8480
    opensearch_url: OpenSearchUrl = SecretUrl(DEFAULT_OPENSEARCH_URL)
    alias: Annotated[str, Field(validation_alias="MCR_RECORD_ALIAS")] = "record"
    postgres_dsn: PostgresDsn = SecretUrl(DEFAULT_DSN)
    consent_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_CONSENT_SCHEMA")] = (
        "consent"
    )
    audit_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_API_AUDIT_SCHEMA")] = "audit"
    audit_role: Annotated[SqlIdentifier, Field(validation_alias="MCR_API_AUDIT_ROLE")] = (
        "mcr_audit_writer"
    )
    audit_dsn: Annotated[SecretUrl, Field(validation_alias="MCR_API_AUDIT_DSN")] = SecretUrl("")
    audit_key_file: Annotated[str, Field(validation_alias="MCR_AUDIT_KEY_FILE")] = ""
    kafka: KafkaClient
    anchor_topic: Annotated[str, Field(validation_alias="MCR_AUDIT_ANCHOR_TOPIC")] = (
        "mcr.audit.anchors"
    )
    anchor_interval_s: Annotated[float, Field(validation_alias="MCR_AUDIT_ANCHOR_S", gt=0)] = 1.0
    allowed_hosts: Annotated[
        tuple[str, ...],
        rule(_hosts, "expected comma-separated host names"),
        Field(validation_alias="MCR_API_ALLOWED_HOSTS"),
    ] = ("127.0.0.1", "localhost")
    search_per_minute: Annotated[
        int, Field(validation_alias="MCR_API_SEARCH_RATE", ge=1, le=100_000)
    ] = 30
    max_body_bytes: Annotated[int, Field(validation_alias="MCR_API_MAX_BODY", ge=0)] = 16_384
    time_limit_s: Annotated[float, Field(validation_alias="MCR_API_TIME_LIMIT_S", gt=0, le=600)] = (
        10.0
    )
    db_pool_size: Annotated[int, Field(validation_alias="MCR_API_DB_POOL", ge=1, le=100)] = 4
    planning_reports: Annotated[Path, Field(validation_alias="MCR_PLANNING_REPORT_DIR")] = Path(
        ".run/reports/planning"
    )

    @property
    def audit_writer_dsn(self) -> str:
        """How the service connects to write the audit: ``audit_dsn``, or ``postgres_dsn`` as
        the ``audit_role`` login (no password: the local stack trusts loopback logins)."""
        explicit = self.audit_dsn.get_secret_value()
        if explicit:
            return explicit
        return make_conninfo(self.postgres_dsn.get_secret_value(), user=self.audit_role)

    @property
    def viewer_url(self) -> str:
        """The URL of the clinician viewer."""
        return f"http://{self.host}:{self.port}/"
