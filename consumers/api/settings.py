"""Configuration of the query service, read once from the environment (loopback defaults).

MCR_PLANNING_REPORT_DIR  planning_reports (``latest`` is served)        .run/reports/planning
=======================  ==============================================  ===================
URLs and the DSN may carry credentials: ``repr`` masks them and the settings are never logged.
``audit_admin_dsn`` (the audit schema's owner) migrates the audit schema and grants
``audit_role``; the service then writes the audit only through ``audit_dsn``, a role the
database lets INSERT and SELECT and nothing else. ``postgres_dsn`` may only read the consent
state; the operators' role reads the audit (``mcr audit verify``, access reports). The audit
key is read from a file (a deployment mounts it from its secrets store).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from psycopg.conninfo import make_conninfo
from pydantic import Field

from mcr.core.kafka_client import KafkaClient
from mcr.core.settings import (
    DEFAULT_OPENSEARCH_URL,
    AuditOwnerDsn,
    McrSettings,
    OpenSearchCaFile,
    OperatorDsn,
    QueryDsn,
    QueryOpenSearchUrl,
    SecretUrl,
    SqlIdentifier,
    local_dsn,
    rule,
    tcp_port,
)

__all__ = ["DEFAULT_DSN", "ApiSettings"]

DEFAULT_DSN = local_dsn("mcr_query")


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
    opensearch_url: QueryOpenSearchUrl = SecretUrl(DEFAULT_OPENSEARCH_URL)
    opensearch_ca_file: OpenSearchCaFile = ""
    alias: Annotated[str, Field(validation_alias="MCR_RECORD_ALIAS")] = "record"
    postgres_dsn: QueryDsn = SecretUrl(DEFAULT_DSN)
    consent_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_CONSENT_SCHEMA")] = (
        "consent"
    )
    audit_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_API_AUDIT_SCHEMA")] = "audit"
    registry_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_REGISTRY_SCHEMA")] = (
        "registry"
    )
    audit_role: Annotated[SqlIdentifier, Field(validation_alias="MCR_API_AUDIT_ROLE")] = (
        "mcr_audit_writer"
    )
    audit_dsn: Annotated[SecretUrl, Field(validation_alias="MCR_API_AUDIT_DSN")] = SecretUrl("")
    audit_admin_dsn: AuditOwnerDsn = SecretUrl(local_dsn("mcr_audit_owner"))
    operator_dsn: OperatorDsn = SecretUrl(local_dsn("mcr_operator"))
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
        """How the service connects to write the audit: ``audit_dsn``, or ``postgres_dsn``'s
        server as the ``audit_role`` login (without a password, which the server refuses)."""
        explicit = self.audit_dsn.get_secret_value()
        if explicit:
            return explicit
        return make_conninfo(self.postgres_dsn.get_secret_value(), user=self.audit_role)

    @property
    def viewer_url(self) -> str:
        """The URL of the clinician viewer."""
        return f"http://{self.host}:{self.port}/"
