"""Where the local stack lives and which loopback ports it uses, read once from the environment.

Every value has a loopback default; override with ``MCR_*`` variables (see README).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from deploy.local.postgres_roles import ADMIN as POSTGRES_ADMIN
from deploy.local.postgres_roles import DATABASE, OPERATOR, ROLES
from deploy.local.secrets import ensure_password
from mcr.core.kafka_acls import ADMIN
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.settings import McrSettings, tcp_port

KAFKA_VERSION = "4.1.1"
OPENSEARCH_VERSION = "2.19.6"
KEYCLOAK_VERSION = "26.7.3"
KEYCLOAK_REALM = "mcr"
PROJECT_ROOT = Path(__file__).resolve().parents[2]

_Folder = Annotated[Path, AfterValidator(Path.resolve)]
_Port = Annotated[int, tcp_port(allow_zero=False)]


class StackSettings(McrSettings):
    """Paths and ports of the local stack. Holds no secrets itself: the ones the stack makes
    live in files under ``<run dir>/secrets`` (0600), made on first use and read when a DSN
    or a client's settings are asked for."""

    run_dir: Annotated[_Folder, Field(validation_alias="MCR_RUN_DIR")] = PROJECT_ROOT / ".run"
    cache_dir: Annotated[_Folder, Field(validation_alias="MCR_CACHE_DIR")] = (
        Path.home() / ".cache" / "mcr"
    )
    host: str = "127.0.0.1"
    kafka_port: Annotated[_Port, Field(validation_alias="MCR_KAFKA_PORT")] = 9092
    kafka_controller_port: Annotated[_Port, Field(validation_alias="MCR_KAFKA_CONTROLLER_PORT")] = (
        9093
    )
    opensearch_port: Annotated[_Port, Field(validation_alias="MCR_OPENSEARCH_PORT")] = 9200
    opensearch_transport_port: Annotated[
        _Port, Field(validation_alias="MCR_OPENSEARCH_TRANSPORT_PORT")
    ] = 9300
    postgres_port: Annotated[_Port, Field(validation_alias="MCR_POSTGRES_PORT")] = 5433
    keycloak_port: Annotated[_Port, Field(validation_alias="MCR_KEYCLOAK_PORT")] = 8180
    demo_metrics_port: Annotated[_Port, Field(validation_alias="MCR_DEMO_METRICS_PORT")] = 9464
    """The first of the consecutive loopback ports ``mcr demo up``'s workers serve ``/metrics``,
    ``/live`` and ``/ready`` on (``mcr.demo.METRICS_OFFSETS``): move it beside another stack."""
    kafka_bench_plaintext_port: Annotated[
        _Port | None, Field(validation_alias="MCR_KAFKA_BENCH_PLAINTEXT_PORT")
    ] = None
    """Off unless set: a PLAINTEXT listener for ``mcr bench produce``'s comparison only. Its
    anonymous clients may touch ``mcr.bench.*`` topics and nothing else."""
    postgres_durable: Annotated[bool, Field(validation_alias="MCR_POSTGRES_DURABLE")] = True
    """fsync, full-page writes and synchronous commit on (``make run``); the test stack turns
    it off (``MCR_POSTGRES_DURABLE=0``), which never downgrades a durable server running."""
    start_timeout_s: Annotated[float, Field(validation_alias="MCR_STACK_START_TIMEOUT")] = 180.0

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def opensearch_address(self) -> str:
        """The node's URL without credentials (what may be shown): https, the local CA's."""
        return f"https://{self.host}:{self.opensearch_port}"

    @property
    def opensearch_ca_file(self) -> Path:
        """The local CA's certificate (made at ``mcr stack up``), which clients verify with."""
        return self.run_dir / "opensearch" / "config" / "root-ca.pem"

    def opensearch_password_file(self, user: str) -> Path:
        """Where the password of the OpenSearch ``user`` is kept (mode 0600)."""
        return self.run_dir / "secrets" / f"opensearch-{user}.password"

    def opensearch_password(self, user: str) -> str:
        """The password of the OpenSearch ``user`` (made on first use)."""
        return ensure_password(self.opensearch_password_file(user))

    def opensearch_user_url(self, user: str) -> str:
        """The node's URL with ``user``'s credentials (basic authentication)."""
        password = self.opensearch_password(user)
        return f"https://{user}:{password}@{self.host}:{self.opensearch_port}"

    @property
    def opensearch_url(self) -> str:
        """The OpenSearch admin's URL: the stack's bootstrap and the tests' admin fixtures."""
        return self.opensearch_user_url("admin")

    def postgres_password_file(self, role: str) -> Path:
        """Where the password of the PostgreSQL ``role`` is kept (mode 0600)."""
        return self.run_dir / "secrets" / f"postgres-{role}.password"

    def postgres_password(self, role: str) -> str:
        """The password of ``role`` (made on first use)."""
        return ensure_password(self.postgres_password_file(role))

    def role_dsn(self, role: str) -> str:
        """The DSN of the login ``role`` on the local database, with its password."""
        password = self.postgres_password(role)
        return f"postgresql://{role}:{password}@{self.host}:{self.postgres_port}/{DATABASE}"

    @property
    def postgres_dsn(self) -> str:
        """The superuser's DSN: the stack's bootstrap and the tests' admin fixtures only."""
        return self.role_dsn(POSTGRES_ADMIN)

    @property
    def identity_dsn(self) -> str:
        """The identity stage's role (owns the MPI)."""
        return self.role_dsn("mcr_identity")

    @property
    def consent_dsn(self) -> str:
        """The consent stage's role (owns the consent state)."""
        return self.role_dsn("mcr_consent")

    @property
    def query_dsn(self) -> str:
        """The query service's role (reads the consent state and the registry)."""
        return self.role_dsn("mcr_query")

    @property
    def audit_owner_dsn(self) -> str:
        """The audit schema's owner (migrates it, grants the writer)."""
        return self.role_dsn("mcr_audit_owner")

    @property
    def audit_writer_dsn(self) -> str:
        """The query service's insert-only audit role."""
        return self.role_dsn("mcr_audit_writer")

    @property
    def operator_dsn(self) -> str:
        """The operators' role (MPI review and merge, audit verify, the registry)."""
        return self.role_dsn(OPERATOR)

    @property
    def keycloak_url(self) -> str:
        return f"http://{self.host}:{self.keycloak_port}"

    @property
    def auth_issuer(self) -> str:
        """The OIDC issuer of the local identity provider (the ``mcr`` realm)."""
        return f"{self.keycloak_url}/realms/{KEYCLOAK_REALM}"

    def service_dir(self, name: str) -> Path:
        return self.run_dir / name

    @property
    def audit_key_file(self) -> Path:
        """The local audit key (made by ``mcr stack up``); a deployment mounts its own."""
        return self.run_dir / "secrets" / "audit.key"

    @property
    def planning_key_file(self) -> Path:
        """The local planning pseudonym key (made by ``mcr stack up``); a deployment mounts
        its own from its secrets store."""
        return self.run_dir / "secrets" / "planning.key"

    @property
    def kafka_secrets_dir(self) -> Path:
        """The CA, the broker's key and certificate, and one ``<user>.password`` per Kafka
        principal of the local stack (all 0600, made by ``mcr stack up``)."""
        return self.run_dir / "secrets" / "kafka"

    @property
    def kafka_ca_file(self) -> Path:
        return self.kafka_secrets_dir / "ca.pem"

    def kafka_password_file(self, username: str) -> Path:
        return self.kafka_secrets_dir / f"{username}.password"

    def kafka_client(self, username: str = ADMIN) -> KafkaClientSettings:
        """Client settings for this stack's broker as ``username`` (default: the admin)."""
        return KafkaClientSettings(
            bootstrap=self.kafka_bootstrap,
            security_protocol="SASL_SSL",
            ca_file=self.kafka_ca_file,
            username=username,
            password_file=self.kafka_password_file(username),
            secrets_dir=self.kafka_secrets_dir,
        )

    @property
    def kafka_bench_plaintext(self) -> KafkaClientSettings | None:
        """Client settings for the benchmark's PLAINTEXT listener (None when it is off)."""
        if self.kafka_bench_plaintext_port is None:
            return None
        return KafkaClientSettings(
            bootstrap=f"{self.host}:{self.kafka_bench_plaintext_port}",
            security_protocol="PLAINTEXT",
        )

    @property
    def kafka_admin(self) -> KafkaClientSettings:
        """The admin principal (super user): bootstrap, topic creation, tests."""
        return self.kafka_client(ADMIN)

    def client_environment(self) -> dict[str, str]:
        """The client variables every package reads (``MCR_KAFKA_*``, an OpenSearch URL per
        component's user, one DSN per component's role, ``MCR_AUDIT_KEY_FILE``,
        ``MCR_AUTH_ISSUER``, ``MCR_PLANNING_KEY_FILE``, ``MCR_PLANNING_REPORT_DIR``) pointing at
        this stack. No Kafka user is set: each entry point runs
        as its own component principal, whose password it finds in ``MCR_KAFKA_SECRETS_DIR``.
        ``MCR_POSTGRES_DSN`` is the operators' role; the superuser's DSN is never exported."""
        dsns = {role.variable: self.role_dsn(role.name) for role in ROLES}
        return {
            "MCR_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "MCR_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "MCR_KAFKA_CA_FILE": str(self.kafka_ca_file),
            "MCR_KAFKA_SECRETS_DIR": str(self.kafka_secrets_dir),
            "MCR_OPENSEARCH_URL": self.opensearch_user_url("mcr_projection"),
            "MCR_API_OPENSEARCH_URL": self.opensearch_user_url("mcr_query"),
            "MCR_OPERATOR_OPENSEARCH_URL": self.opensearch_user_url("mcr_operator"),
            "MCR_OPENSEARCH_CA_FILE": str(self.opensearch_ca_file),
            **dsns,
            "MCR_POSTGRES_DSN": self.role_dsn(OPERATOR),
            "MCR_AUDIT_KEY_FILE": str(self.audit_key_file),
            "MCR_AUTH_ISSUER": self.auth_issuer,
            "MCR_PLANNING_KEY_FILE": str(self.planning_key_file),
            "MCR_PLANNING_REPORT_DIR": str(self.run_dir / "reports" / "planning"),
        }


def export_client_defaults(env: MutableMapping[str, str] | None = None) -> None:
    """Point unset client variables at the local stack's (possibly moved) ports.

    Called once by the ``mcr`` entry point and the test session, so setting ``MCR_KAFKA_PORT``
    alone moves the broker and every client with it; explicit client variables always win.
    """
    target = os.environ if env is None else env
    for name, value in StackSettings.from_env(target).client_environment().items():
        target.setdefault(name, value)
