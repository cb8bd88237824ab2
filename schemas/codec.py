"""Avro single-object encoding: bytes in, dicts out. Pure (no I/O beyond in-memory buffers).

Wire layout of every event (Avro specification, "Single object encoding")::

    C3 01 | 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema | binary body

Writers always use the newest version of a schema. Readers find the writer schema by its
fingerprint and resolve the body to the newest version of the same schema, so data written
with an old version reads as the new one (new fields take their defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.read import SchemaResolutionError

from schemas.conformance import conformance_problems
from schemas.errors import (
    CorruptEventError,
    EncodeError,
    IncompatibleSchemaError,
    NotASourceEventError,
)
from schemas.events import RecordType, SourceEvent
from schemas.registry import SchemaRegistry, SchemaVersion, default_registry

MARKER = b"\xc3\x01"
FINGERPRINT_LENGTH = 8
HEADER_LENGTH = len(MARKER) + FINGERPRINT_LENGTH
_SOURCE_TYPES = {rt.value: rt for rt in RecordType}


@dataclass(frozen=True)
class DecodedRecord:
    """A decoded event of any schema: its name, the version it was written with, its payload
    (shaped like the newest version of the schema)."""

    schema_name: str
    version: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class DecodedEvent:
    """A decoded source event: record type, writer version, payload as the newest version."""

    record_type: RecordType
    version: int
    payload: dict[str, Any]

    def to_source_event(self) -> SourceEvent:
        """The event as a :class:`SourceEvent` (for re-publishing or comparing)."""
        return SourceEvent(self.record_type, self.payload)


def encode(event: SourceEvent, *, registry: SchemaRegistry | None = None) -> bytes:
    """Encode a source event with the newest schema of its record type.

    Raises EncodeError (naming the first field path that does not fit) when the payload does
    not match the schema.
    """
    return encode_record(event.record_type.value, event.payload, registry=registry)


def encode_record(
    schema_name: str,
    payload: Mapping[str, Any],
    *,
    version: int | None = None,
    registry: SchemaRegistry | None = None,
) -> bytes:
    """Encode ``payload`` with schema ``schema_name`` (newest version unless ``version``).

    Raises UnknownSchemaError for an unknown name or version, EncodeError for a payload that
    does not fit (unknown fields included).
    """
    schemas = registry or default_registry()
    if version is None:
        return write_single_object(schemas.newest(schema_name), payload)
    return write_single_object(schemas.version(schema_name, version), payload)


def write_single_object(writer: SchemaVersion, payload: Mapping[str, Any]) -> bytes:
    """Marker, fingerprint and body of ``payload`` written with ``writer``."""
    buffer = BytesIO()
    buffer.write(MARKER)
    buffer.write(writer.fingerprint)
    try:
        schemaless_writer(buffer, writer.parsed, payload, strict_allow_default=True)
    except Exception as exc:  # fastavro raises many types, and its messages quote values
        raise _encode_error(writer, payload) from exc
    return buffer.getvalue()


def decode(data: bytes, *, registry: SchemaRegistry | None = None) -> DecodedEvent:
    """Decode a source event; the payload is shaped like the newest schema of its type.

    Raises CorruptEventError, UnknownFingerprintError, IncompatibleSchemaError, or
    NotASourceEventError when the bytes hold a valid event of a non-source schema.
    """
    record = decode_record(data, registry=registry)
    record_type = _SOURCE_TYPES.get(record.schema_name)
    if record_type is None:
        raise NotASourceEventError(f"schema {record.schema_name} is not a source record type")
    return DecodedEvent(record_type, record.version, record.payload)


def decode_record(data: bytes, *, registry: SchemaRegistry | None = None) -> DecodedRecord:
    """Decode an event of any registered schema, resolved to that schema's newest version."""
    schemas = registry or default_registry()
    writer = schemas.by_fingerprint(writer_fingerprint(data))
    reader = schemas.newest(writer.name)
    payload = _read_body(data, writer=writer, reader=reader)
    return DecodedRecord(writer.name, writer.version, payload)


def writer_fingerprint(data: bytes) -> bytes:
    """The writer schema fingerprint of an encoded event; raises CorruptEventError."""
    if len(data) < HEADER_LENGTH:
        raise CorruptEventError(f"event shorter than the {HEADER_LENGTH}-byte header")
    if data[: len(MARKER)] != MARKER:
        raise CorruptEventError("missing single-object marker C3 01")
    return bytes(data[len(MARKER) : HEADER_LENGTH])


def _read_body(data: bytes, *, writer: SchemaVersion, reader: SchemaVersion) -> dict[str, Any]:
    buffer = BytesIO(data)
    buffer.seek(HEADER_LENGTH)
    reader_schema = None if reader is writer else reader.parsed
    label = f"{writer.name} v{writer.version}"
    try:
        payload = schemaless_reader(buffer, writer.parsed, reader_schema)
    except SchemaResolutionError as exc:
        raise IncompatibleSchemaError(f"{label}: not readable as v{reader.version}") from exc
    except Exception as exc:  # truncated or garbled bodies surface as many fastavro errors
        raise CorruptEventError(f"{label}: body does not parse") from exc
    if buffer.tell() != len(data):
        raise CorruptEventError(f"{label}: {len(data) - buffer.tell()} bytes after the body")
    if not isinstance(payload, dict):
        raise CorruptEventError(f"{label}: body is not a record")
    return payload


def _encode_error(writer: SchemaVersion, payload: Any) -> EncodeError:
    problems = conformance_problems(writer.parsed, payload)
    if not problems:
        return EncodeError(
            f"{writer.name}: payload does not fit schema v{writer.version}",
            schema_name=writer.name,
            path="",
        )
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return EncodeError(
        f"{writer.name}.{first.path}: {first.rule}{more}", schema_name=writer.name, path=first.path
    )
