"""How instants are written on the wire and in the record: UTC ISO 8601, milliseconds, ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["iso_instant"]


def iso_instant(value: datetime) -> str:
    """UTC ISO 8601 with milliseconds and ``Z`` (naive values are taken as UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
