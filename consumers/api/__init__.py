"""The query service and clinician viewer: a read-only HTTP API on the record projection,
with consent checked again at read time and every data request written to a hash-chained
audit log before it is answered (see docs/api.md).

Pure core: ``validation``, ``queries``, ``access`` (consent at read), ``chain`` (audit hashes),
``service`` (decisions), ``web`` (HTTP values), ``app`` (routing). Thin I/O: ``records``
(OpenSearch), ``consent_reader`` and ``audit`` (PostgreSQL), ``server`` (wsgiref), ``cli``.
Bearer-token validation (OIDC, CIS2-shaped claims, a typed ``Principal``) lives in the ``auth``
subpackage and is not wired into the routes yet (docs/auth.md).
"""

from consumers.api.app import Api
from consumers.api.chain import AuditEntry, ChainedRow, Verification, verify
from consumers.api.errors import ApiError
from consumers.api.settings import ApiSettings

__all__ = ["Api", "ApiError", "ApiSettings", "AuditEntry", "ChainedRow", "Verification", "verify"]
