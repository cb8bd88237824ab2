"""Configuration of the query service, read once from the environment (loopback defaults).

=====================  ==============================================  ==========================
variable               field                                           default
=====================  ==============================================  ==========================
MCR_API_HOST           host the HTTP server binds                      127.0.0.1
MCR_API_PORT           port the HTTP server binds                      8480
MCR_OPENSEARCH_URL     opensearch_url (via ``RecordSettings``)         http://127.0.0.1:9200
MCR_RECORD_ALIAS       alias read (via ``RecordSettings``)             record
MCR_POSTGRES_DSN       postgres_dsn (consent state and audit log)      ``DEFAULT_DSN`` (loopback)
MCR_CONSENT_SCHEMA     consent_schema (read at query time)             consent
MCR_API_AUDIT_SCHEMA   audit_schema (the hash-chained audit log)       audit
=====================  ==============================================  ==========================

URLs and the DSN may carry credentials: ``repr`` masks them and the settings are never logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from mcr.core.secrets import mask_url
from projections.record.settings import RecordSettings

__all__ = ["DEFAULT_DSN", "ApiSettings"]

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5433/mcr"
_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")  # fullmatch: "$" also matches before "\n"
_PORT = re.compile(r"[0-9]{1,5}")  # ASCII digits: ``str.isdigit`` also takes "²" and "٤"


def _port(source: Mapping[str, str], name: str, default: int) -> int:
    raw = source.get(name, str(default))
    if not _PORT.fullmatch(raw) or not 0 <= int(raw) < 65536:
        raise ValueError(f"{name}: not a TCP port (expected 0-65535, 0 picks a free one)")
    return int(raw)


@dataclass(frozen=True)
class ApiSettings:
    """Where the service listens, which record alias it reads, where consent and audit live."""

    host: str = "127.0.0.1"
    port: int = 8480
    opensearch_url: str = field(default="http://127.0.0.1:9200", repr=False)
    alias: str = "record"
    postgres_dsn: str = field(default=DEFAULT_DSN, repr=False)
    consent_schema: str = "consent"
    audit_schema: str = "audit"

    def __post_init__(self) -> None:
        if not _SCHEMA.fullmatch(self.consent_schema):
            raise ValueError("MCR_CONSENT_SCHEMA: expected a lower-case SQL identifier")
        if not _SCHEMA.fullmatch(self.audit_schema):
            raise ValueError("MCR_API_AUDIT_SCHEMA: expected a lower-case SQL identifier")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiSettings:
        """Build settings from ``env`` (default: the process environment).

        Raises ValueError naming the variable that breaks a rule.
        """
        source = os.environ if env is None else env
        record = RecordSettings.from_env(source)
        return cls(
            host=source.get("MCR_API_HOST", "127.0.0.1"),
            port=_port(source, "MCR_API_PORT", 8480),
            opensearch_url=record.opensearch_url,
            alias=record.alias,
            postgres_dsn=source.get("MCR_POSTGRES_DSN", DEFAULT_DSN),
            consent_schema=source.get("MCR_CONSENT_SCHEMA", "consent"),
            audit_schema=source.get("MCR_API_AUDIT_SCHEMA", "audit"),
        )

    @property
    def viewer_url(self) -> str:
        """The URL of the clinician viewer."""
        return f"http://{self.host}:{self.port}/"

    def __repr__(self) -> str:
        return (
            f"ApiSettings(host={self.host!r}, port={self.port}, "
            f"opensearch_url={mask_url(self.opensearch_url)!r}, alias={self.alias!r}, "
            f"postgres_dsn={mask_url(self.postgres_dsn)!r}, "
            f"consent_schema={self.consent_schema!r}, audit_schema={self.audit_schema!r})"
        )
