"""The local stack: real Kafka, OpenSearch, PostgreSQL and Keycloak started by the project,
without Docker."""

from deploy.local.errors import RuntimeFetchError, ServiceStartError, StackError
from deploy.local.service import ServiceStatus
from deploy.local.settings import StackSettings
from deploy.local.stack import down, status, up

__all__ = [
    "RuntimeFetchError",
    "ServiceStartError",
    "ServiceStatus",
    "StackError",
    "StackSettings",
    "down",
    "status",
    "up",
]
