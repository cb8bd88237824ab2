"""Every version of every Avro schema, loaded once and found by name or by fingerprint.

Schemas live in ``schemas/avro/<name>/v<N>.avsc`` (next to this module, so they ship as package
data). A fingerprint is the CRC-64-AVRO of the schema's Parsing Canonical Form, as the 8
little-endian bytes that follow ``C3 01`` in the single-object encoding. The newest version
of a name is the one writers use and the one readers resolve to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

from schemas.errors import SchemaLoadError, UnknownFingerprintError, UnknownSchemaError

SCHEMA_ROOT = Path(__file__).resolve().parent / "avro"
FINGERPRINT_ALGORITHM = "CRC-64-AVRO"
_VERSION_FILE = re.compile(r"^v(?P<version>[1-9][0-9]*)\.avsc$")


@dataclass(frozen=True)
class SchemaVersion:
    """One version of one schema: where it came from, its fingerprint and parsed form."""

    name: str
    version: int
    fingerprint: bytes
    canonical_form: str
    parsed: Any = field(repr=False, compare=False)
    """fastavro's parsed schema, ready for ``schemaless_writer``/``schemaless_reader``."""


def schema_version_from_json(name: str, version: int, raw: Any) -> SchemaVersion:
    """Parse a schema's JSON form; raises SchemaLoadError when it is not valid Avro."""
    try:
        parsed = parse_schema(raw)
        canonical = to_parsing_canonical_form(raw)
    except Exception as exc:  # fastavro raises several types for a bad schema
        raise SchemaLoadError(f"{name} v{version}: not a valid Avro schema") from exc
    digest = bytes.fromhex(fingerprint(canonical, FINGERPRINT_ALGORITHM))
    return SchemaVersion(name, version, digest, canonical, parsed)


def load_schema_file(path: Path) -> SchemaVersion:
    """Load ``<name>/v<N>.avsc``; raises SchemaLoadError naming the file on any problem."""
    match = _VERSION_FILE.match(path.name)
    if match is None:
        raise SchemaLoadError(f"{path.parent.name}/{path.name}: expected a file named v<N>.avsc")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaLoadError(f"{path.parent.name}/{path.name}: unreadable JSON") from exc
    return schema_version_from_json(path.parent.name, int(match["version"]), raw)


class SchemaRegistry:
    """Schema versions by name and by fingerprint. Immutable once built."""

    def __init__(self, versions: Iterable[SchemaVersion]) -> None:
        by_name: dict[str, list[SchemaVersion]] = {}
        self._by_fingerprint: dict[bytes, SchemaVersion] = {}
        for item in versions:
            if item.fingerprint in self._by_fingerprint:
                other = self._by_fingerprint[item.fingerprint]
                raise SchemaLoadError(
                    f"{item.name} v{item.version}: same canonical form as {other.name} "
                    f"v{other.version}"
                )
            self._by_fingerprint[item.fingerprint] = item
            by_name.setdefault(item.name, []).append(item)
        self._by_name = {
            name: tuple(sorted(items, key=lambda v: v.version)) for name, items in by_name.items()
        }

    @classmethod
    def from_directory(cls, root: Path) -> SchemaRegistry:
        """Load every ``<root>/<name>/v<N>.avsc``."""
        if not root.is_dir():
            raise SchemaLoadError(f"schema folder {root.name} does not exist")
        return cls(load_schema_file(path) for path in sorted(root.glob("*/v*.avsc")))

    def names(self) -> tuple[str, ...]:
        """Registered schema names, sorted."""
        return tuple(sorted(self._by_name))

    def versions(self, name: str) -> tuple[SchemaVersion, ...]:
        """Every version of ``name``, oldest first; raises UnknownSchemaError."""
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownSchemaError(
                f"no schema named {name!r} (expected one of {', '.join(self.names())})"
            ) from None

    def newest(self, name: str) -> SchemaVersion:
        """The newest version of ``name``: what writers write and readers resolve to."""
        return self.versions(name)[-1]

    def version(self, name: str, version: int) -> SchemaVersion:
        """One specific version of ``name``; raises UnknownSchemaError."""
        for item in self.versions(name):
            if item.version == version:
                return item
        raise UnknownSchemaError(f"{name}: no version {version}")

    def by_fingerprint(self, digest: bytes) -> SchemaVersion:
        """The schema version with this fingerprint; raises UnknownFingerprintError."""
        try:
            return self._by_fingerprint[digest]
        except KeyError:
            raise UnknownFingerprintError(digest) from None


@cache
def default_registry() -> SchemaRegistry:
    """The registry of the schemas shipped with this package (loaded once per process)."""
    return SchemaRegistry.from_directory(SCHEMA_ROOT)
