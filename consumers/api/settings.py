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
=====================  ==============================================  ==========================

URLs and the DSN may carry credentials: ``repr`` masks them and the settings are never logged.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mcr.core.settings import (
    DEFAULT_OPENSEARCH_URL,
    DEFAULT_POSTGRES_DSN,
    McrSettings,
    OpenSearchUrl,
    PostgresDsn,
    SecretUrl,
    SqlIdentifier,
    tcp_port,
)

__all__ = ["DEFAULT_DSN", "ApiSettings"]

DEFAULT_DSN = DEFAULT_POSTGRES_DSN


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

    @property
    def viewer_url(self) -> str:
        """The URL of the clinician viewer."""
        return f"http://{self.host}:{self.port}/"
