"""Encoding helpers for the simulator's tests: the newest parsed schema per record type.

Deliberately independent of ``schemas/codec.py``: the payloads are checked against the
``.avsc`` files themselves with fastavro.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import fastavro

from schemas.events import RecordType, SourceEvent

SCHEMA_ROOT = Path(__file__).resolve().parents[4] / "schemas" / "avro"


def newest_schema_path(record_type: RecordType) -> Path:
    """The highest ``v<N>.avsc`` of ``record_type``."""
    versions = (SCHEMA_ROOT / record_type.value).glob("v*.avsc")
    return max(versions, key=lambda path: int(path.stem[1:]))


@cache
def newest_schema(record_type: RecordType) -> Any:
    """The parsed newest schema of ``record_type``."""
    return fastavro.parse_schema(json.loads(newest_schema_path(record_type).read_text()))


def encode(event: SourceEvent) -> bytes:
    """The event's Avro body (strict: unknown or missing fields fail)."""
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, newest_schema(event.record_type), event.payload, strict=True)
    return buffer.getvalue()


def decode(record_type: RecordType, body: bytes) -> Any:
    """The payload read back from an Avro body."""
    schema = newest_schema(record_type)
    return fastavro.schemaless_reader(io.BytesIO(body), schema, schema)


def digest(events: Iterable[SourceEvent]) -> str:
    """SHA-256 over every event's type, key and Avro body, in order."""
    hasher = hashlib.sha256()
    for event in events:
        hasher.update(f"{event.record_type.value}|{event.key}|".encode())
        hasher.update(encode(event))
    return hasher.hexdigest()
