"""How instants are written on the wire and in the record: UTC ISO 8601, milliseconds, ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["iso_instant"]


def iso_instant(value: datetime) -> str:
    """UTC ISO 8601 with milliseconds and ``Z`` (naive values are taken as UTC)."""
    if value.tzinfo is UTC:
        # The common case (Avro timestamps decode as UTC): formatted directly, without the
        # timezone conversion and string replace, which cost the projection a tenth of its CPU.
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031 - the fastest here
            value.year, value.month, value.day, value.hour, value.minute, value.second,
            value.microsecond // 1000,
        )  # fmt: skip
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
