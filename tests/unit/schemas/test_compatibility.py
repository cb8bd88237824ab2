"""Backward compatibility: the newest version of every schema reads data of every older one.

Generic over the registry, so a new ``v<N>.avsc`` is checked the moment it is added.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.codec import decode, decode_record, encode_record
from schemas.errors import IncompatibleSchemaError
from schemas.events import RecordType
from schemas.registry import SchemaRegistry, SchemaVersion, default_registry
from tests.unit.schemas import samples
from tests.unit.schemas.avro_strategies import payloads

OLDER_VERSIONS = [
    pytest.param(item, id=f"{item.name}-v{item.version}")
    for name in default_registry().names()
    for item in default_registry().versions(name)[:-1]
]


def expected_after_resolution(writer: Any, reader: Any, value: Any) -> Any:
    """What Avro resolution must give: shared fields keep their value (records recursively),
    fields only the reader has take their default, fields only the writer had are dropped."""
    if not (_is_record(writer) and _is_record(reader)):
        return value
    written = {field["name"]: field for field in writer["fields"]}
    resolved = {}
    for field in reader["fields"]:
        name = field["name"]
        if name in written:
            resolved[name] = expected_after_resolution(
                written[name]["type"], field["type"], value[name]
            )
        else:
            resolved[name] = field["default"]
    return resolved


def _is_record(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "record"


def test_every_schema_with_history_is_covered() -> None:
    """The compatibility table is not empty: patient v1 is an older version to check."""
    assert ("patient", 1) in {(p.values[0].name, p.values[0].version) for p in OLDER_VERSIONS}


@pytest.mark.parametrize("older", OLDER_VERSIONS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_newest_reads_every_older_version(older: SchemaVersion, data: st.DataObject) -> None:
    """Data written with any older version decodes as the newest, per Avro resolution rules."""
    newest = default_registry().newest(older.name)
    payload = data.draw(payloads(older.parsed))
    record = decode_record(encode_record(older.name, payload, version=older.version))
    assert (record.schema_name, record.version) == (older.name, older.version)
    assert record.payload == expected_after_resolution(older.parsed, newest.parsed, payload)


def test_patient_v1_reads_as_v2_with_default_language() -> None:
    """A v1 patient event decodes as v2: same fields plus preferred_language None."""
    v1_payload = samples.payload(RecordType.PATIENT)
    del v1_payload["preferred_language"]
    decoded = decode(encode_record("patient", v1_payload, version=1))
    assert decoded.record_type is RecordType.PATIENT
    assert decoded.version == 1
    assert decoded.payload == v1_payload | {"preferred_language": None}


def _widget_registry(tmp_path: Path, v2_field: dict[str, Any]) -> SchemaRegistry:
    base = {"type": "record", "name": "Widget", "fields": [{"name": "id", "type": "string"}]}
    newer = {**base, "fields": [*base["fields"], v2_field]}
    for version, schema in ((1, base), (2, newer)):
        folder = tmp_path / "widget"
        folder.mkdir(exist_ok=True)
        (folder / f"v{version}.avsc").write_text(json.dumps(schema))
    return SchemaRegistry.from_directory(tmp_path)


def test_new_field_without_default_is_incompatible(tmp_path: Path) -> None:
    """A v2 that adds a field with no default cannot read v1 data: IncompatibleSchemaError."""
    registry = _widget_registry(tmp_path, {"name": "colour", "type": "string"})
    old = encode_record("widget", {"id": "w1"}, version=1, registry=registry)
    with pytest.raises(IncompatibleSchemaError, match="widget v1: not readable as v2"):
        decode_record(old, registry=registry)


def test_new_field_with_default_is_compatible(tmp_path: Path) -> None:
    """A v2 that adds a field with a default reads v1 data with that default filled in."""
    registry = _widget_registry(tmp_path, {"name": "n", "type": "long", "default": 7})
    old = encode_record("widget", {"id": "w1"}, version=1, registry=registry)
    assert decode_record(old, registry=registry).payload == {"id": "w1", "n": 7}


def test_resolution_oracle_detects_a_changed_value() -> None:
    """The oracle itself can fail: a shared field with another value is not equal."""
    older = default_registry().version("patient", 1)
    newest = default_registry().newest("patient")
    v1 = samples.payload(RecordType.PATIENT)
    del v1["preferred_language"]
    expected = expected_after_resolution(older.parsed, newest.parsed, v1)
    changed = decode_record(
        encode_record("patient", v1 | {"family_name": "Other"}, version=1)
    ).payload
    assert changed != expected
    assert expected["header"]["occurred_at"] == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
