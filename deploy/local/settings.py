"""Where the local stack lives and which loopback ports it uses, read once from the environment.

Every value has a loopback default; override with ``MCR_*`` variables (see README).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

KAFKA_VERSION = "4.1.1"
OPENSEARCH_VERSION = "2.19.6"
KEYCLOAK_VERSION = "26.7.3"
KEYCLOAK_REALM = "mcr"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _port(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{name}: not a TCP port (expected 1-65535)")
    return int(raw)


@dataclass(frozen=True)
class StackSettings:
    """Paths and ports of the local stack. Holds no secrets: local services trust loopback."""

    run_dir: Path
    cache_dir: Path
    host: str = "127.0.0.1"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    opensearch_port: int = 9200
    opensearch_transport_port: int = 9300
    postgres_port: int = 5433
    keycloak_port: int = 8180
    start_timeout_s: float = 180.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> StackSettings:
        """Build settings from ``env`` (default: the process environment)."""
        env = dict(os.environ if env is None else env)
        return cls(
            run_dir=Path(env.get("MCR_RUN_DIR", PROJECT_ROOT / ".run")).resolve(),
            cache_dir=Path(env.get("MCR_CACHE_DIR", Path.home() / ".cache" / "mcr")).resolve(),
            kafka_port=_port(env, "MCR_KAFKA_PORT", 9092),
            kafka_controller_port=_port(env, "MCR_KAFKA_CONTROLLER_PORT", 9093),
            opensearch_port=_port(env, "MCR_OPENSEARCH_PORT", 9200),
            opensearch_transport_port=_port(env, "MCR_OPENSEARCH_TRANSPORT_PORT", 9300),
            postgres_port=_port(env, "MCR_POSTGRES_PORT", 5433),
            keycloak_port=_port(env, "MCR_KEYCLOAK_PORT", 8180),
            start_timeout_s=float(env.get("MCR_STACK_START_TIMEOUT", "180")),
        )

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def opensearch_url(self) -> str:
        return f"http://{self.host}:{self.opensearch_port}"

    @property
    def postgres_dsn(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.postgres_port}/mcr"

    @property
    def keycloak_url(self) -> str:
        return f"http://{self.host}:{self.keycloak_port}"

    @property
    def auth_issuer(self) -> str:
        """The OIDC issuer of the local identity provider (the ``mcr`` realm)."""
        return f"{self.keycloak_url}/realms/{KEYCLOAK_REALM}"

    def service_dir(self, name: str) -> Path:
        return self.run_dir / name

    def client_environment(self) -> dict[str, str]:
        """The client variables every package reads (``MCR_KAFKA_BOOTSTRAP``,
        ``MCR_OPENSEARCH_URL``, ``MCR_POSTGRES_DSN``, ``MCR_AUTH_ISSUER``) pointing at this
        stack."""
        return {
            "MCR_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "MCR_OPENSEARCH_URL": self.opensearch_url,
            "MCR_POSTGRES_DSN": self.postgres_dsn,
            "MCR_AUTH_ISSUER": self.auth_issuer,
        }


def export_client_defaults(env: MutableMapping[str, str] | None = None) -> None:
    """Point unset client variables at the local stack's (possibly moved) ports.

    Called once by the ``mcr`` entry point and the test session, so setting ``MCR_KAFKA_PORT``
    alone moves the broker and every client with it; explicit client variables always win.
    """
    target = os.environ if env is None else env
    for name, value in StackSettings.from_env(dict(target)).client_environment().items():
        target.setdefault(name, value)
