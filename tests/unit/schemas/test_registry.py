"""The schema registry: every shipped version, found by name and by fingerprint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.errors import SchemaLoadError, UnknownFingerprintError, UnknownSchemaError
from schemas.registry import SchemaRegistry, default_registry, schema_version_from_json

# CRC-64-AVRO, as the Avro specification defines it (an independent reference).
_EMPTY = 0xC15D213AA4D7A795


def reference_fingerprint(canonical_form: str) -> bytes:
    """The spec's CRC-64-AVRO of a canonical form, as 8 little-endian bytes."""
    table = []
    for index in range(256):
        value = index
        for _ in range(8):
            value = (value >> 1) ^ (_EMPTY & -(value & 1))
        table.append(value)
    digest = _EMPTY
    for byte in canonical_form.encode("utf-8"):
        digest = (digest >> 8) ^ table[(digest ^ byte) & 0xFF]
    return digest.to_bytes(8, "little")


def test_reference_fingerprint_matches_avro_spec_vector() -> None:
    """The reference gives the spec's test vector: "null" -> 7195948357588979594."""
    assert reference_fingerprint('"null"') == (7195948357588979594).to_bytes(8, "little")


def test_registry_lists_every_shipped_schema_and_version() -> None:
    """Names are the schema folders; patient and result have v1 and v2, the others v1."""
    registry = default_registry()
    assert registry.names() == (
        "allergy",
        "condition",
        "consent",
        "document",
        "encounter",
        "identity_change",
        "immunisation",
        "medication",
        "patient",
        "planning_event",
        "procedure",
        "result",
    )
    assert [v.version for v in registry.versions("patient")] == [1, 2]
    assert registry.newest("patient").version == 2
    assert [v.version for v in registry.versions("result")] == [1, 2]
    assert registry.newest("result").version == 2


@pytest.mark.parametrize(
    ("name", "version", "fingerprint"),
    [
        ("allergy", 1, "457b4c8ee42d2988"),
        ("condition", 1, "93f11142266cac88"),
        ("consent", 1, "6a3df3147b449520"),
        ("document", 1, "8d694a434d5528e6"),
        ("encounter", 1, "d9a0c5c96ff6728f"),
        ("identity_change", 1, "2bb174c2600ddcd3"),
        ("immunisation", 1, "bdac3c3ac960b365"),
        ("medication", 1, "7e0a3b82435ecd26"),
        ("patient", 1, "cbd942856bc43a7b"),
        ("patient", 2, "fc8f653fb54f33d9"),
        ("procedure", 1, "07601407fe4ea1de"),
        ("result", 1, "930954ff3a33957d"),
        ("result", 2, "c4f8104f1bd82472"),
    ],
)
def test_fingerprints_are_crc64_of_canonical_form(
    name: str, version: int, fingerprint: str
) -> None:
    """Each shipped schema has the written-out fingerprint, equal to the spec's algorithm."""
    item = default_registry().version(name, version)
    assert item.fingerprint.hex() == fingerprint
    assert item.fingerprint == reference_fingerprint(item.canonical_form)
    assert default_registry().by_fingerprint(item.fingerprint) is item


def test_default_registry_is_loaded_once() -> None:
    """The default registry is cached: parsing happens once per process."""
    assert default_registry() is default_registry()


def test_unknown_fingerprint_names_the_hex() -> None:
    """Looking up an unregistered fingerprint raises UnknownFingerprintError with its hex."""
    with pytest.raises(UnknownFingerprintError, match="0102030405060708"):
        default_registry().by_fingerprint(bytes(range(1, 9)))


def test_unknown_version_is_typed() -> None:
    """Asking for a version that does not exist raises UnknownSchemaError."""
    with pytest.raises(UnknownSchemaError, match="patient: no version 9"):
        default_registry().version("patient", 9)


@pytest.mark.parametrize(
    ("file_name", "text", "message"),
    [
        ("v1.avsc", "{not json", "widget/v1.avsc: unreadable JSON"),
        ("v1.avsc", '{"type": "nosuchtype"}', "widget v1: not a valid Avro schema"),
        ("v01.avsc", '"string"', "widget/v01.avsc: expected a file named v<N>.avsc"),
    ],
)
def test_bad_schema_files_raise_load_error(
    tmp_path: Path, file_name: str, text: str, message: str
) -> None:
    """A broken .avsc stops loading with SchemaLoadError naming the file and the problem."""
    (tmp_path / "widget").mkdir()
    (tmp_path / "widget" / file_name).write_text(text)
    with pytest.raises(SchemaLoadError) as caught:
        SchemaRegistry.from_directory(tmp_path)
    assert str(caught.value) == message


def test_duplicate_canonical_form_is_rejected() -> None:
    """Two versions with the same canonical form would make fingerprints ambiguous."""
    schema = {"type": "record", "name": "W", "fields": [{"name": "a", "type": "int"}]}
    first = schema_version_from_json("widget", 1, schema)
    second = schema_version_from_json("widget", 2, json.loads(json.dumps(schema)))
    with pytest.raises(SchemaLoadError, match="widget v2: same canonical form as widget v1"):
        SchemaRegistry([first, second])


def test_missing_folder_is_a_load_error(tmp_path: Path) -> None:
    """A registry pointed at a missing folder raises SchemaLoadError."""
    with pytest.raises(SchemaLoadError, match="does not exist"):
        SchemaRegistry.from_directory(tmp_path / "nowhere")
