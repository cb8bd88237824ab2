"""Configuration of the identity stage, read once from the environment (loopback defaults).

``MCR_POSTGRES_DSN`` (postgresql://postgres@127.0.0.1:5433/mcr), ``MCR_IDENTITY_SCHEMA``
(mpi), ``MCR_IDENTITY_WEIGHTS`` (a weights version; default: the shipped one),
``MCR_KAFKA_BOOTSTRAP`` (127.0.0.1:9092).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_DSN", "IdentitySettings"]

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5433/mcr"
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class IdentitySettings:
    """Where the MPI lives, which weights to score with, and where Kafka is."""

    postgres_dsn: str = DEFAULT_DSN
    schema: str = "mpi"
    weights_version: str | None = None
    kafka_bootstrap: str = "127.0.0.1:9092"

    def __post_init__(self) -> None:
        if not _SCHEMA.match(self.schema):
            raise ValueError("MCR_IDENTITY_SCHEMA: expected a lower-case SQL identifier")

    def __repr__(self) -> str:
        masked = re.sub(r"://([^:@/]+):[^@/]+@", r"://\1:***@", self.postgres_dsn)
        return (
            f"IdentitySettings(postgres_dsn={masked!r}, schema={self.schema!r}, "
            f"weights_version={self.weights_version!r}, "
            f"kafka_bootstrap={self.kafka_bootstrap!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IdentitySettings:
        """Settings from ``env`` (default: the process environment)."""
        values = os.environ if env is None else env
        return cls(
            postgres_dsn=values.get("MCR_POSTGRES_DSN", DEFAULT_DSN),
            schema=values.get("MCR_IDENTITY_SCHEMA", "mpi"),
            weights_version=values.get("MCR_IDENTITY_WEIGHTS") or None,
            kafka_bootstrap=values.get("MCR_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        )
