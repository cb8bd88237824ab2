"""The local stack as a whole: bring every service up (idempotently), report, take down."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from deploy.local.kafka import Kafka
from deploy.local.keycloak import Keycloak
from deploy.local.opensearch import OpenSearch
from deploy.local.postgres import Postgres
from deploy.local.principals import ensure_components
from deploy.local.secrets import ensure_key
from deploy.local.service import Service, ServiceStatus
from deploy.local.settings import StackSettings
from mcr.core import org_registry
from mcr.core.settings import SecretUrl, replace


def services(settings: StackSettings) -> list[Service]:
    """Every service of the stack, in start order."""
    return [Kafka(settings), OpenSearch(settings), Postgres(settings), Keycloak(settings)]


def _bring_up(service: Service, timeout_s: float) -> ServiceStatus:
    status = service.status()
    # A stale process may not answer our probe at all (OpenSearch still on plain HTTP).
    if (status.healthy or status.pid is not None) and service.stale():
        service.stop()
        status = service.status()
    if not status.healthy:
        service.prepare()
        if service.pid() is None:
            service.launch()
        status = service.wait_healthy(timeout_s)
    service.secure()
    return status


def up(settings: StackSettings) -> list[ServiceStatus]:
    """Start what is not running, in parallel, and wait until each answers.

    Raises ServiceStartError (naming the log) for the first service that fails. Once every
    service answers, the organisation registry is seeded (:func:`seed_registry`).
    """
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    ensure_key(settings.audit_key_file)
    ensure_key(settings.planning_key_file)
    members = services(settings)
    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        futures = [pool.submit(_bring_up, s, settings.start_timeout_s) for s in members]
        rows = [future.result() for future in futures]
    ensure_components(
        settings.kafka_admin, plaintext_bench=settings.kafka_bench_plaintext_port is not None
    )  # Kafka answers now: its users, ACLs and topics (idempotent)
    seed_registry(settings)
    return rows


def seed_registry(settings: StackSettings) -> int:
    """Seed the organisation registry from the region's file (``MCR_ORGANISATIONS_FILE``,
    default the shipped one) on the stack's PostgreSQL: adds only missing organisations, so
    an operator's suspension survives every ``up``. Returns how many were added."""
    registry = replace(org_registry.RegistrySettings.from_env(),
                       postgres_dsn=SecretUrl(settings.operator_dsn))  # its owner  # fmt: skip
    return org_registry.seed_from_file(registry)


def status(settings: StackSettings) -> list[ServiceStatus]:
    """The current state of every service, asked of the services themselves."""
    members = services(settings)
    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        return list(pool.map(lambda s: s.status(), members))


def down(settings: StackSettings) -> None:
    """Stop every service; data stays under .run/ for the next start."""
    for service in reversed(services(settings)):
        service.stop()
