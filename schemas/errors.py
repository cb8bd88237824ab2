"""Errors of the wire contract: loading schemas, encoding and decoding events.

Messages name the schema, the field path and the rule, never a value (values may be PHI)::

    McrError
    └── SchemaError                    anything wrong with the wire contract
        ├── SchemaLoadError            an .avsc file is missing, not JSON or not valid Avro
        ├── UnknownSchemaError         no schema of that name (or that version) is registered
        ├── EncodeError                a payload does not fit its schema (names the field path)
        ├── CommandError               a message on the command header is not a valid command
        └── DecodeError                bytes could not be read as an event
            ├── CorruptEventError      bad marker, truncated, or a body that does not parse
            ├── UnknownFingerprintError  the writer schema is not in the registry
            ├── IncompatibleSchemaError  the newest schema cannot read an older version's data
            └── NotASourceEventError   a valid event of a schema that is not a source record type
"""

from __future__ import annotations

__all__ = [
    "CommandError",
    "CorruptEventError",
    "DecodeError",
    "EncodeError",
    "IncompatibleSchemaError",
    "McrError",
    "NotASourceEventError",
    "SchemaError",
    "SchemaLoadError",
    "UnknownFingerprintError",
    "UnknownSchemaError",
]


class McrError(Exception):
    """Base class of every error raised on purpose by My Care Record code.

    It lives here, at the bottom of the import layers, so the wire contract can derive its own
    errors from it; every other package imports it from the ground layer (``mcr.core.errors``).
    """


class SchemaError(McrError):
    """Root of every error raised by the ``schemas`` package."""


class SchemaLoadError(SchemaError):
    """An ``.avsc`` file could not be loaded (missing, not JSON, not a valid Avro schema)."""


class UnknownSchemaError(SchemaError):
    """No schema of the requested name or version is registered."""


class EncodeError(SchemaError):
    """A payload does not fit its schema; ``path`` is the first offending field path."""

    def __init__(self, message: str, *, schema_name: str, path: str) -> None:
        super().__init__(message)
        self.schema_name = schema_name
        self.path = path


class CommandError(SchemaError):
    """A command message (``schemas.commands``) is malformed; ``field`` names what is wrong."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class DecodeError(SchemaError):
    """Bytes could not be decoded as an event."""


class CorruptEventError(DecodeError):
    """The bytes are not a readable single-object encoding (marker, length or body)."""


class UnknownFingerprintError(DecodeError):
    """The writer schema's fingerprint is not registered (an unknown or newer schema)."""

    def __init__(self, fingerprint: bytes) -> None:
        super().__init__(f"unknown writer schema fingerprint {fingerprint.hex()}")
        self.fingerprint = fingerprint


class IncompatibleSchemaError(DecodeError):
    """The newest version of a schema cannot read data written with an older version."""


class NotASourceEventError(DecodeError):
    """The event is valid, but its schema is not one of the source record types."""
