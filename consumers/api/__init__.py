"""The query service and clinician viewer: a read-only HTTP API on the record projection,
with consent checked again at read time and every data request written to a hash-chained
audit log before it is answered (see docs/api.md).

Pure core: ``validation``, ``queries``, ``access`` (consent at read), ``chain`` (audit hashes),
``service`` (decisions), ``acting`` (the acting role), ``authorisation`` (the policy seam),
``rate_limit``. HTTP: ``app`` (the FastAPI application), ``deps`` (sign-in as a dependency),
``routes`` and ``pages``, ``guard`` (limits, audit before answer), ``handlers`` (JSON errors),
``models`` (OpenAPI shapes), ``web``. Thin I/O: ``records`` (OpenSearch), ``consent_reader``,
``audit`` and ``pools`` (PostgreSQL), ``server`` (uvicorn), ``cli``. Bearer-token validation
(OIDC, CIS2-shaped claims, a typed ``Principal``) is the ``auth`` subpackage (docs/auth.md).
"""

from consumers.api.app import create_app
from consumers.api.chain import AuditEntry, ChainedRow, Verification, verify
from consumers.api.errors import ApiError
from consumers.api.settings import ApiSettings

__all__ = [
    "ApiError",
    "ApiSettings",
    "AuditEntry",
    "ChainedRow",
    "Verification",
    "create_app",
    "verify",
]
